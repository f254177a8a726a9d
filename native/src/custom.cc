// The addon's side of src/tensor/custom.ts: libtorch's custom autograd Function, with the backward in JS.
#include "custom.h"

#include <torch/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/utils.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "errors.h"
#include "handle.h"

namespace tk {
namespace {

// Autograd nodes whose backward is a JS function. The JS side registers one dispatcher, (id, grads) -> grads, and
// keeps each node's function in a table under its id; a node holds only the id, so freeing it (whenever its graph
// goes, even at exit) calls no JS: it queues the id, and customFunction hands the queue back for the table to drop.
// The engine runs a CPU graph on the thread that called backward(), the JS thread: apply() checks that it is.
Napi::FunctionReference customDispatcher;
std::thread::id jsThread;
// Never destroyed: a node can be freed during static destruction at exit, after a static vector would be gone.
struct DeadIds {
  std::mutex mutex;
  std::vector<double> ids;
};
DeadIds& deadIds() {
  static DeadIds* d = new DeadIds();
  return *d;
}
void queueDead(double id) {
  std::lock_guard<std::mutex> lock(deadIds().mutex);
  deadIds().ids.push_back(id);
}

struct JsBackward : torch::autograd::Node {
  double id;
  size_t inputs;
  Napi::Env env;
  JsBackward(double id_, size_t inputs_, Napi::Env env_) : id(id_), inputs(inputs_), env(env_) {}
  ~JsBackward() override { queueDead(id); }
  std::string name() const override { return "JsBackward"; }
  torch::autograd::variable_list apply(torch::autograd::variable_list&& grads) override {
    if (std::this_thread::get_id() != jsThread) throw std::runtime_error("a JS backward function was called off the JS thread");
    Napi::HandleScope scope(env);
    Napi::Array in = Napi::Array::New(env, grads.size());
    for (size_t i = 0; i < grads.size(); i++) in.Set(static_cast<uint32_t>(i), grads[i].defined() ? wrapTensor(env, grads[i]) : env.Null());
    Napi::Value r = customDispatcher.Call({Napi::Number::New(env, id), in});
    if (!r.IsArray() || r.As<Napi::Array>().Length() != inputs) throw std::runtime_error("a JS backward function must return one gradient (or null) per input");
    Napi::Array out = r.As<Napi::Array>();
    torch::autograd::variable_list result(inputs);
    for (size_t i = 0; i < inputs; i++) {
      Napi::Value v = out.Get(static_cast<uint32_t>(i));
      if (v.IsNull() || v.IsUndefined()) continue;
      result[i] = unwrapTensor(v, "JS backward gradient");
      disposeHandle(env, v);  // the node owns the returned gradients now
    }
    return result;
  }
};

// (dispatcher) once: the JS function every JsBackward node calls with (id, grads).
Napi::Value SetCustomDispatcher(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    if (!info[0].IsFunction()) throw ArgError("setCustomDispatcher: expected a function");
    customDispatcher = Napi::Persistent(info[0].As<Napi::Function>());
    customDispatcher.SuppressDestruct();
    jsThread = std::this_thread::get_id();
  })
  return env.Undefined();
}

// (id, inputs, outputs) -> [outputs' new handles, ids of freed nodes]. The outputs (computed without autograd) come
// back as new tensors sharing their storage whose grad_fn is a JsBackward node over the inputs; when no input
// requires grad they come back detached.
Napi::Value CustomFunction(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    if (customDispatcher.IsEmpty()) throw ArgError("customFunction: no dispatcher set");
    double id = info[0].As<Napi::Number>().DoubleValue();
    auto list = [&](const Napi::Value& v, const char* what) {
      if (!v.IsArray()) throw ArgError(std::string("customFunction: ") + what + " must be an array of tensors");
      Napi::Array a = v.As<Napi::Array>();
      std::vector<at::Tensor> ts;
      for (uint32_t i = 0; i < a.Length(); i++) ts.push_back(unwrapTensor(a.Get(i), what));
      return ts;
    };
    std::vector<at::Tensor> inputs = list(info[1], "inputs");
    std::vector<at::Tensor> outputs = list(info[2], "outputs");
    bool any = false;
    for (const auto& t : inputs) any = any || t.requires_grad();
    std::shared_ptr<JsBackward> node;
    if (any && c10::GradMode::is_enabled()) {
      node = std::shared_ptr<JsBackward>(new JsBackward(id, inputs.size(), env), torch::autograd::deleteNode);
      node->set_next_edges(torch::autograd::collect_next_edges(inputs));
    } else {
      queueDead(id);  // no node: nothing will call the function
    }
    Napi::Array handles = Napi::Array::New(env, outputs.size());
    for (size_t i = 0; i < outputs.size(); i++) {
      at::Tensor out = outputs[i].detach();
      if (node) torch::autograd::set_history(out, node);
      handles.Set(static_cast<uint32_t>(i), wrapTensor(env, out));
    }
    std::vector<double> dead;
    {
      std::lock_guard<std::mutex> lock(deadIds().mutex);
      dead.swap(deadIds().ids);
    }
    Napi::Array freed = Napi::Array::New(env, dead.size());
    for (size_t i = 0; i < dead.size(); i++) freed.Set(static_cast<uint32_t>(i), Napi::Number::New(env, dead[i]));
    Napi::Array r = Napi::Array::New(env, 2);
    r.Set(0u, handles);
    r.Set(1u, freed);
    return r;
  })
  return env.Undefined();
}

}  // namespace

void registerCustom(Napi::Env env, Napi::Object exports) {
  exports.Set("setCustomDispatcher", Napi::Function::New(env, SetCustomDispatcher, "setCustomDispatcher"));
  exports.Set("customFunction", Napi::Function::New(env, CustomFunction, "customFunction"));
}

}  // namespace tk
