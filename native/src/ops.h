#pragma once
#include <napi.h>

namespace tk {
Napi::Value OpHandle(const Napi::CallbackInfo& info);  // (name, overload) -> operator id
Napi::Value OpSchema(const Napi::CallbackInfo& info);  // (id) -> schema string
Napi::Value CallOp(const Napi::CallbackInfo& info);    // (id, args[]) -> value | value[]
}  // namespace tk
