// Registration of the distributed (c10d) exports; see dist.cc.
#pragma once
#include <napi.h>

namespace tk {
void registerDist(Napi::Env env, Napi::Object exports);
}  // namespace tk
