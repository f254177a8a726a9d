// Every ATen operator, called by schema through the dispatcher: JS asks once for an operator id, then calls it
// with positional arguments that are converted by the schema's argument types. Autograd and device dispatch
// happen inside the dispatcher exactly as for C++ or Python callers.
#include <ATen/core/dispatch/Dispatcher.h>

#include <deque>

#include "convert.h"
#include "errors.h"
#include "ops.h"

namespace tk {

namespace {
struct OpEntry {
  c10::OperatorHandle handle;
  std::string name;
};
std::deque<OpEntry> ops;
}  // namespace

Napi::Value OpHandle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    if (info.Length() < 1 || !info[0].IsString()) throw ArgError("opHandle(name, overload): name must be a string");
    std::string name = info[0].As<Napi::String>().Utf8Value();
    std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!handle) throw ArgError("unknown operator " + name + (overload.empty() ? "" : "." + overload));
    ops.push_back(OpEntry{*handle, name + (overload.empty() ? "" : "." + overload)});
    return Napi::Number::New(env, static_cast<double>(ops.size() - 1));
  })
  return env.Undefined();
}

Napi::Value OpSchema(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    uint32_t id = info[0].As<Napi::Number>().Uint32Value();
    if (id >= ops.size()) throw ArgError("opSchema: unknown operator id");
    std::ostringstream s;
    s << ops[id].handle.schema();
    return Napi::String::New(env, s.str());
  })
  return env.Undefined();
}

Napi::Value CallOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_PROTECT(env, {
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsArray()) throw ArgError("callOp(id, args[]): bad call");
    uint32_t id = info[0].As<Napi::Number>().Uint32Value();
    if (id >= ops.size()) throw ArgError("callOp: unknown operator id");
    const OpEntry& op = ops[id];
    const c10::FunctionSchema& schema = op.handle.schema();
    const auto& params = schema.arguments();
    Napi::Array args = info[1].As<Napi::Array>();
    uint32_t given = args.Length();
    if (given > params.size())
      throw ArgError(op.name + ": expected at most " + std::to_string(params.size()) + " arguments, got " + std::to_string(given));
    torch::jit::Stack stack;
    stack.reserve(params.size());
    for (size_t i = 0; i < params.size(); i++) {
      const c10::Argument& p = params[i];
      Napi::Value v = i < given ? args.Get(static_cast<uint32_t>(i)) : env.Undefined();
      if (v.IsUndefined()) {
        if (!p.default_value()) throw ArgError(op.name + ": missing argument '" + p.name() + "'");
        stack.push_back(*p.default_value());
      } else {
        stack.push_back(toIValue(v, p.real_type(), p.N(), Where{op.name, p.name()}));
      }
    }
    try {
      op.handle.callBoxed(&stack);
    } catch (const c10::Error& e) {
      throw std::runtime_error(op.name + ": " + e.what_without_backtrace());
    }
    if (stack.size() == 1) return fromIValue(env, stack[0]);
    Napi::Array out = Napi::Array::New(env, stack.size());
    for (size_t i = 0; i < stack.size(); i++) out.Set(static_cast<uint32_t>(i), fromIValue(env, stack[i]));
    return out;
  })
  return env.Undefined();
}

}  // namespace tk
