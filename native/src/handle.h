// Tensor handles: JS holds a number, `generation * 2^26 + slot`, naming a slot of one table owned by the addon.
// dispose() frees the tensor at once and bumps the slot's generation, so a stale handle is detected instead of
// reaching whichever tensor reuses the slot. The JS side's FinalizationRegistry is the safety net for handles
// dropped without dispose(). Numbers cost far less to pass than napi Externals with finalizers (no weak
// reference per tensor). The table is not shared across threads: use the addon from one JS thread.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>

namespace tk {

Napi::Value wrapTensor(Napi::Env env, at::Tensor t);
// The tensor behind a handle; throws ArgError for a non-handle or a disposed tensor. `what` names the argument.
const at::Tensor& unwrapTensor(const Napi::Value& v, const char* what);
// The tensor behind a handle, or nullptr when v is not a live handle.
const at::Tensor* findTensor(const Napi::Value& v);
// Frees a handle's tensor; false when it was not live (already disposed, or never a handle).
bool disposeHandle(Napi::Env env, const Napi::Value& v);
int64_t liveTensorCount();

}  // namespace tk
