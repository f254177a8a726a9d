#pragma once
#include <napi.h>

namespace tk {
// Adds setCustomDispatcher(fn) and customFunction(id, inputs, outputs): autograd nodes whose backward calls JS.
void registerCustom(Napi::Env env, Napi::Object exports);
}  // namespace tk
