{
  "includes": ["libtorch.gypi"],
  "targets": [
    {
      "target_name": "whittle",
      "sources": ["src/addon.cc", "src/ops.cc", "src/convert.cc", "src/handle.cc", "src/dist.cc", "src/custom.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<@(torch_include)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GLIBCXX_USE_CXX11_ABI=<(torch_cxx11_abi)", "<@(torch_defines)"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "libraries": ["-L<(torch_lib)", "-Wl,-rpath,<(torch_lib)", "-Wl,--no-as-needed", "<@(torch_libs)", "-Wl,--as-needed"]
    }
  ]
}
