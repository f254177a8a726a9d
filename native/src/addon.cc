// The addon's export table and the non-operator entry points: tensor data in and out, queries, autograd,
// threads, seeds, save/load and devices. Operators themselves go through ops.cc.
#include <napi.h>
#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/serialize.h>
#include <torch/utils.h>
#include <torch/version.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>

#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "convert.h"
#include "custom.h"
#include "dist.h"
#include "errors.h"
#include "handle.h"
#include "ops.h"

namespace tk {
namespace {

std::vector<int64_t> toShape(const Napi::Value& v) {
  if (!v.IsArray()) throw ArgError("shape: expected an array of non-negative integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> shape;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (d < 0 || d != static_cast<double>(static_cast<int64_t>(d))) throw ArgError("shape: expected an array of non-negative integers");
    shape.push_back(static_cast<int64_t>(d));
  }
  return shape;
}

c10::ScalarType typedArrayDtype(napi_typedarray_type t, const std::string& asked) {
  switch (t) {
    case napi_float32_array: return at::kFloat;
    case napi_float64_array: return at::kDouble;
    case napi_int32_array: return at::kInt;
    case napi_bigint64_array: return at::kLong;
    case napi_int16_array: return at::kShort;
    case napi_int8_array: return at::kChar;
    case napi_uint8_array: return asked == "bool" ? at::kBool : at::kByte;
    default: throw ArgError("fromData: unsupported typed array (use Float32Array, Float64Array, Int32Array, BigInt64Array, Int16Array, Int8Array or Uint8Array)");
  }
}

// (typedArray, shape, dtype?) -> handle. Copies: JS may mutate or detach its buffer later.
Napi::Value FromData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    if (info.Length() < 2 || !info[0].IsTypedArray()) throw ArgError("fromData(data, shape): data must be a typed array");
    Napi::TypedArray arr = info[0].As<Napi::TypedArray>();
    std::string asked = info.Length() > 2 && info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
    c10::ScalarType dtype = typedArrayDtype(arr.TypedArrayType(), asked);
    if (!asked.empty() && parseDtype(asked) != dtype)
      throw ArgError("fromData: a " + dtypeName(dtype) + " typed array cannot hold dtype " + asked);
    std::vector<int64_t> shape = toShape(info[1]);
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    if (static_cast<size_t>(numel) != arr.ElementLength())
      throw ArgError("fromData: shape [" + c10::Join(", ", shape) + "] holds " + std::to_string(numel) +
                     " elements but the data has " + std::to_string(arr.ElementLength()));
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    auto* src = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
    if (numel) std::memcpy(t.data_ptr(), src, arr.ByteLength());
    return wrapTensor(env, std::move(t));
  })
  return env.Undefined();
}

// (handle) -> typed array holding a copy of the values (bool as Uint8Array).
Napi::Value ToData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    at::Tensor t = unwrapTensor(info[0], "toData").detach().to(at::kCPU).contiguous();
    size_t n = static_cast<size_t>(t.numel());
    size_t bytes = t.nbytes();
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, bytes);
    if (bytes) std::memcpy(buf.Data(), t.data_ptr(), bytes);
    switch (t.scalar_type()) {
      case at::kFloat: return Napi::Float32Array::New(env, n, buf, 0);
      case at::kDouble: return Napi::Float64Array::New(env, n, buf, 0);
      case at::kInt: return Napi::Int32Array::New(env, n, buf, 0);
      case at::kLong: return Napi::BigInt64Array::New(env, n, buf, 0);
      case at::kShort: return Napi::Int16Array::New(env, n, buf, 0);
      case at::kChar: return Napi::Int8Array::New(env, n, buf, 0);
      case at::kByte:
      case at::kBool: return Napi::Uint8Array::New(env, n, buf, 0);
      default: throw ArgError("toData: dtype " + dtypeName(t.scalar_type()) + " has no typed array; convert it first");
    }
  })
  return env.Undefined();
}

// (handle) -> {shape, dtype, device, requiresGrad, memoryFormat}
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    const at::Tensor& t = unwrapTensor(info[0], "info");
    Napi::Object o = Napi::Object::New(env);
    Napi::Array shape = Napi::Array::New(env, t.dim());
    for (int64_t i = 0; i < t.dim(); i++) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.size(i))));
    o.Set("shape", shape);
    o.Set("dtype", dtypeName(t.scalar_type()));
    o.Set("device", t.device().str());
    o.Set("requiresGrad", t.requires_grad());
    // the layout libtorch reads from the strides when it picks an op's output layout (a conv's, for one)
    const auto format = t.suggest_memory_format();
    o.Set("memoryFormat", format == at::MemoryFormat::ChannelsLast ? "channels_last" : format == at::MemoryFormat::ChannelsLast3d ? "channels_last_3d" : "contiguous");
    return o;
  })
  return env.Undefined();
}

Napi::Value Shape(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    const at::Tensor& t = unwrapTensor(info[0], "shape");
    Napi::Array shape = Napi::Array::New(env, t.dim());
    for (int64_t i = 0; i < t.dim(); i++) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.size(i))));
    return shape;
  })
  return env.Undefined();
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    const at::Tensor& t = unwrapTensor(info[0], "item");
    if (t.numel() != 1) throw ArgError("item: tensor has " + std::to_string(t.numel()) + " elements, expected exactly one");
    if (t.scalar_type() == at::kBool) return Napi::Boolean::New(env, t.item<bool>());
    return Napi::Number::New(env, t.item<double>());
  })
  return env.Undefined();
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    if (!info[0].IsNumber()) throw ArgError("dispose: expected a Tensor");
    disposeHandle(env, info[0]);
  })
  return env.Undefined();
}

Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), findTensor(info[0]) == nullptr);
}

Napi::Value LiveTensors(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(liveTensorCount()));
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    at::Tensor t = unwrapTensor(info[0], "setRequiresGrad");
    if (!info[1].IsBoolean()) throw ArgError("setRequiresGrad: expected a boolean");
    t.requires_grad_(info[1].As<Napi::Boolean>().Value());
  })
  return env.Undefined();
}

Napi::Value Grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    const at::Tensor& g = unwrapTensor(info[0], "grad").grad();
    return g.defined() ? wrapTensor(env, g) : env.Null();
  })
  return env.Undefined();
}

Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    at::Tensor t = unwrapTensor(info[0], "setGrad");
    t.mutable_grad() = info[1].IsNull() || info[1].IsUndefined() ? at::Tensor() : unwrapTensor(info[1], "setGrad gradient");
  })
  return env.Undefined();
}

// (handle, gradient|null, retainGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    at::Tensor t = unwrapTensor(info[0], "backward");
    std::vector<at::Tensor> grads;
    if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) grads.push_back(unwrapTensor(info[1], "backward gradient"));
    bool retain = info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
    if (!t.requires_grad())
      throw std::runtime_error("backward: the tensor does not require grad and has no grad_fn (was it computed in a no-grad scope, or from tensors that do not require grad?)");
    torch::autograd::backward({t}, grads, retain);
  })
  return env.Undefined();
}

Napi::Value GradFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    const at::Tensor& t = unwrapTensor(info[0], "gradFn");
    return t.grad_fn() ? Napi::Value(Napi::String::New(env, t.grad_fn()->name())) : env.Null();
  })
  return env.Undefined();
}

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = c10::GradMode::is_enabled();
  if (info.Length() > 0 && info[0].IsBoolean()) c10::GradMode::set_enabled(info[0].As<Napi::Boolean>().Value());
  return Napi::Boolean::New(info.Env(), prev);
}

bool autocastDevice(const Napi::Value& v, const char* fn) {
  std::string d = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (d != "cpu" && d != "cuda") throw ArgError(std::string(fn) + ": device must be 'cpu' or 'cuda'");
  return d == "cuda";
}

// (device, enabled, dtype) -> [previous enabled, previous dtype]: enters an autocast region as torch.autocast does
// (thread-local state, so every op called through the dispatcher sees the Autocast key while it is on).
Napi::Value AutocastEnter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    bool cuda = autocastDevice(info[0], "autocastEnter");
    if (!info[1].IsBoolean() || !info[2].IsString()) throw ArgError("autocastEnter(device, enabled, dtype): bad call");
    at::ScalarType dtype = parseDtype(info[2].As<Napi::String>().Utf8Value());
    if (dtype != at::kBFloat16 && dtype != at::kHalf) throw ArgError("autocastEnter: dtype must be bfloat16 or float16");
    Napi::Array prev = Napi::Array::New(env, 2);
    prev.Set(0u, cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled());
    prev.Set(1u, dtypeName(cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype()));
    if (cuda) {
      at::autocast::set_autocast_gpu_dtype(dtype);
      at::autocast::set_enabled(info[1].As<Napi::Boolean>().Value());
    } else {
      at::autocast::set_autocast_cpu_dtype(dtype);
      at::autocast::set_cpu_enabled(info[1].As<Napi::Boolean>().Value());
    }
    at::autocast::increment_nesting();
    return prev;
  })
  return env.Undefined();
}

// (device, enabled, dtype): leaves the region, restoring the state autocastEnter returned; the outermost exit
// clears the cache of weight casts (they would be stale after an optimizer step).
Napi::Value AutocastExit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    bool cuda = autocastDevice(info[0], "autocastExit");
    if (!info[1].IsBoolean() || !info[2].IsString()) throw ArgError("autocastExit(device, enabled, dtype): bad call");
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::ScalarType dtype = parseDtype(info[2].As<Napi::String>().Utf8Value());
    bool on = info[1].As<Napi::Boolean>().Value();
    if (cuda) {
      at::autocast::set_autocast_gpu_dtype(dtype);
      at::autocast::set_enabled(on);
    } else {
      at::autocast::set_autocast_cpu_dtype(dtype);
      at::autocast::set_cpu_enabled(on);
    }
  })
  return env.Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    if (!info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() < 1) throw ArgError("setNumThreads: expected a positive integer");
    at::set_num_threads(info[0].As<Napi::Number>().Int32Value());
  })
  return env.Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    if (!info[0].IsNumber()) throw ArgError("manualSeed: expected an integer");
    torch::manual_seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
  })
  return env.Undefined();
}

// (path, names[], handles[]) -> void; written with libtorch's archive format.
Napi::Value Save(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    if (!info[0].IsString() || !info[1].IsArray() || !info[2].IsArray()) throw ArgError("save(path, names, tensors): bad call");
    Napi::Array names = info[1].As<Napi::Array>(), tensors = info[2].As<Napi::Array>();
    if (names.Length() != tensors.Length()) throw ArgError("save: names and tensors differ in length");
    torch::serialize::OutputArchive archive;
    for (uint32_t i = 0; i < names.Length(); i++)
      archive.write(names.Get(i).As<Napi::String>().Utf8Value(), unwrapTensor(tensors.Get(i), "save").detach(), true);
    archive.save_to(info[0].As<Napi::String>().Utf8Value());
  })
  return env.Undefined();
}

// (path, names[]) -> handles[]
Napi::Value Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    if (!info[0].IsString() || !info[1].IsArray()) throw ArgError("load(path, names): bad call");
    torch::serialize::InputArchive archive;
    archive.load_from(info[0].As<Napi::String>().Utf8Value());
    Napi::Array names = info[1].As<Napi::Array>();
    Napi::Array out = Napi::Array::New(env, names.Length());
    for (uint32_t i = 0; i < names.Length(); i++) {
      at::Tensor t;
      std::string name = names.Get(i).As<Napi::String>().Utf8Value();
      if (!archive.try_read(name, t, true)) throw std::runtime_error("load: no tensor named '" + name + "' in the file");
      out.Set(i, wrapTensor(env, t));
    }
    return out;
  })
  return env.Undefined();
}

Napi::Value Keys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    if (!info[0].IsString()) throw ArgError("keys(path): bad call");
    torch::serialize::InputArchive archive;
    archive.load_from(info[0].As<Napi::String>().Utf8Value());
    std::vector<std::string> keys = archive.keys();
    Napi::Array out = Napi::Array::New(env, keys.size());
    for (size_t i = 0; i < keys.size(); i++) out.Set(static_cast<uint32_t>(i), keys[i]);
    return out;
  })
  return env.Undefined();
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}

// glibc returns freed blocks above 128 KB (raised dynamically, up to 32 MB) to the OS and trims the heap top at
// 128 KB, so every training step page-faults its activations in again: measured ~15% of a vgg-small step at one
// thread. Keeping blocks up to 64 MB on the heap and trimming only past 256 MB removes most of those faults.
// WHITTLE_MALLOC_TUNING=0 keeps glibc's defaults (or GLIBC_TUNABLES' values).
void tuneMalloc() {
  const char* v = std::getenv("WHITTLE_MALLOC_TUNING");
  if (v && std::strcmp(v, "0") == 0) return;
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tuneMalloc();
  auto fn = [&](const char* name, Napi::Function::Callback cb) { exports.Set(name, Napi::Function::New(env, cb, name)); };
  fn("opHandle", OpHandle);
  fn("opSchema", OpSchema);
  fn("callOp", CallOp);
  fn("fromData", FromData);
  fn("toData", ToData);
  fn("info", Info);
  fn("shape", Shape);
  fn("item", Item);
  fn("dispose", Dispose);
  fn("isDisposed", IsDisposed);
  fn("liveTensors", LiveTensors);
  fn("setRequiresGrad", SetRequiresGrad);
  fn("grad", Grad);
  fn("setGrad", SetGrad);
  fn("backward", Backward);
  fn("gradFn", GradFn);
  fn("setGradEnabled", SetGradEnabled);
  fn("autocastEnter", AutocastEnter);
  fn("autocastExit", AutocastExit);
  fn("setNumThreads", SetNumThreads);
  fn("getNumThreads", GetNumThreads);
  fn("manualSeed", ManualSeed);
  fn("save", Save);
  fn("load", Load);
  fn("keys", Keys);
  fn("cudaDeviceCount", CudaDeviceCount);
  registerDist(env, exports);
  registerCustom(env, exports);
  exports.Set("torchVersion", Napi::String::New(env, TORCH_VERSION));
  return exports;
}

}  // namespace
}  // namespace tk

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return tk::Init(env, exports); }
NODE_API_MODULE(whittle, InitAddon)
