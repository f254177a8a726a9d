// Conversion between JS values and c10::IValues, driven by an operator schema's argument types.
#pragma once
#include <napi.h>
#include <ATen/core/ivalue.h>
#include <ATen/core/jit_type.h>
#include <string>

namespace tk {

// Names the argument being converted, for error messages only: built lazily, as conversion is on the hot path.
struct Where {
  const std::string& op;
  const std::string& arg;
  std::string str() const { return op + " argument '" + arg + "'"; }
};

c10::IValue toIValue(const Napi::Value& v, const c10::TypePtr& type, const c10::optional<int32_t>& n, const Where& where);
Napi::Value fromIValue(Napi::Env env, const c10::IValue& v);
c10::ScalarType parseDtype(const std::string& s);
std::string dtypeName(c10::ScalarType t);
c10::Device parseDevice(const std::string& s);

}  // namespace tk
