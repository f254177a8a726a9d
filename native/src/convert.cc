#include "convert.h"

#include <cmath>

#include "errors.h"
#include "handle.h"

namespace tk {

using c10::IValue;
using c10::TypeKind;

c10::ScalarType parseDtype(const std::string& s) {
  if (s == "float32") return at::kFloat;
  if (s == "float64") return at::kDouble;
  if (s == "float16") return at::kHalf;
  if (s == "bfloat16") return at::kBFloat16;
  if (s == "int64") return at::kLong;
  if (s == "int32") return at::kInt;
  if (s == "int16") return at::kShort;
  if (s == "int8") return at::kChar;
  if (s == "uint8") return at::kByte;
  if (s == "bool") return at::kBool;
  throw ArgError("unknown dtype '" + s + "' (expected float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8 or bool)");
}

std::string dtypeName(c10::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kShort: return "int16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

c10::Device parseDevice(const std::string& s) {
  try {
    return c10::Device(s);
  } catch (const c10::Error&) {
    throw ArgError("unknown device '" + s + "' (expected cpu, cuda or cuda:N)");
  }
}

static c10::MemoryFormat parseMemoryFormat(const std::string& s) {
  if (s == "contiguous") return c10::MemoryFormat::Contiguous;
  if (s == "channels_last") return c10::MemoryFormat::ChannelsLast;
  if (s == "preserve") return c10::MemoryFormat::Preserve;
  throw ArgError("unknown memory format '" + s + "' (expected contiguous, channels_last or preserve)");
}

static const at::Tensor& unwrapTensor(const Napi::Value& v, const Where& where) {
  if (const at::Tensor* t = findTensor(v)) return *t;
  return tk::unwrapTensor(v, where.str().c_str());
}

static int64_t toInt(const Napi::Value& v, const Where& where) {
  if (v.IsBigInt()) {
    bool lossless = true;
    int64_t i = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) throw ArgError(where.str() + ": integer out of int64 range");
    return i;
  }
  if (!v.IsNumber()) throw ArgError(where.str() + ": expected an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d) throw ArgError(where.str() + ": expected an integer, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

static double toDouble(const Napi::Value& v, const Where& where) {
  if (!v.IsNumber()) throw ArgError(where.str() + ": expected a number");
  return v.As<Napi::Number>().DoubleValue();
}

static bool toBool(const Napi::Value& v, const Where& where) {
  if (!v.IsBoolean()) throw ArgError(where.str() + ": expected a boolean");
  return v.As<Napi::Boolean>().Value();
}

static std::string toStr(const Napi::Value& v, const Where& where) {
  if (!v.IsString()) throw ArgError(where.str() + ": expected a string");
  return v.As<Napi::String>().Utf8Value();
}

// JS has one number type: integral values become integer Scalars (as Python's `x * 2`), others doubles.
static c10::Scalar toScalar(const Napi::Value& v, const Where& where) {
  if (v.IsBoolean()) return c10::Scalar(v.As<Napi::Boolean>().Value());
  if (v.IsBigInt()) return c10::Scalar(toInt(v, where));
  if (!v.IsNumber()) throw ArgError(where.str() + ": expected a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.007199254740992e15) return c10::Scalar(static_cast<int64_t>(d));
  return c10::Scalar(d);
}

static Napi::Array expectArray(const Napi::Value& v, const Where& where) {
  if (!v.IsArray()) throw ArgError(where.str() + ": expected an array");
  return v.As<Napi::Array>();
}

static IValue toList(const Napi::Value& v, const c10::TypePtr& elem, const c10::optional<int32_t>& n,
                     const Where& where) {
  TypeKind k = elem->kind();
  if (k == TypeKind::IntType || k == TypeKind::SymIntType) {
    std::vector<int64_t> out;
    if ((v.IsNumber() || v.IsBigInt()) && n) {
      out.assign(*n, toInt(v, where));
    } else {
      Napi::Array a = expectArray(v, where);
      for (uint32_t i = 0; i < a.Length(); i++) out.push_back(toInt(a.Get(i), where));
    }
    return IValue(c10::List<int64_t>(out));
  }
  if (k == TypeKind::FloatType) {
    c10::List<double> out;
    if (v.IsNumber() && n) {
      for (int32_t i = 0; i < *n; i++) out.push_back(toDouble(v, where));
    } else {
      Napi::Array a = expectArray(v, where);
      for (uint32_t i = 0; i < a.Length(); i++) out.push_back(toDouble(a.Get(i), where));
    }
    return IValue(out);
  }
  if (k == TypeKind::BoolType) {
    c10::List<bool> out;
    Napi::Array a = expectArray(v, where);
    for (uint32_t i = 0; i < a.Length(); i++) out.push_back(toBool(a.Get(i), where));
    return IValue(out);
  }
  Napi::Array a = expectArray(v, where);
  if (k == TypeKind::TensorType) {
    c10::List<at::Tensor> out;
    out.reserve(a.Length());
    for (uint32_t i = 0; i < a.Length(); i++) out.push_back(unwrapTensor(a.Get(i), where));
    return IValue(out);
  }
  if (k == TypeKind::OptionalType && elem->containedType(0)->kind() == TypeKind::TensorType) {
    c10::List<c10::optional<at::Tensor>> out;
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value e = a.Get(i);
      if (e.IsNull() || e.IsUndefined()) out.push_back(c10::nullopt);
      else out.push_back(unwrapTensor(e, where));
    }
    return IValue(out);
  }
  throw ArgError(where.str() + ": unsupported list argument type " + elem->str() + "[]");
}

IValue toIValue(const Napi::Value& v, const c10::TypePtr& type, const c10::optional<int32_t>& n,
                const Where& where) {
  switch (type->kind()) {
    case TypeKind::OptionalType:
      if (v.IsNull() || v.IsUndefined()) return IValue();
      return toIValue(v, type->containedType(0), n, where);
    case TypeKind::TensorType:
      return IValue(unwrapTensor(v, where));
    case TypeKind::IntType:
    case TypeKind::SymIntType:
      return IValue(toInt(v, where));
    case TypeKind::FloatType:
      return IValue(toDouble(v, where));
    case TypeKind::BoolType:
      return IValue(toBool(v, where));
    case TypeKind::NumberType:
      return IValue(toScalar(v, where));
    case TypeKind::StringType:
      return IValue(toStr(v, where));
    case TypeKind::ScalarTypeType:
      return IValue(static_cast<int64_t>(parseDtype(toStr(v, where))));
    case TypeKind::MemoryFormatType:
      return IValue(static_cast<int64_t>(parseMemoryFormat(toStr(v, where))));
    case TypeKind::LayoutType:
      if (toStr(v, where) != "strided") throw ArgError(where.str() + ": only the 'strided' layout is supported");
      return IValue(static_cast<int64_t>(c10::Layout::Strided));
    case TypeKind::DeviceObjType:
      return IValue(parseDevice(toStr(v, where)));
    case TypeKind::ListType:
      return toList(v, type->containedType(0), n, where);
    case TypeKind::GeneratorType:
      throw ArgError(where.str() + ": explicit generators are not supported; pass null (seed with manualSeed)");
    default:
      throw ArgError(where.str() + ": unsupported argument type " + type->str());
  }
}

Napi::Value fromIValue(Napi::Env env, const IValue& v) {
  if (v.isNone()) return env.Null();
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    return t.defined() ? wrapTensor(env, t) : env.Null();
  }
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isSymInt()) return Napi::Number::New(env, static_cast<double>(v.toSymInt().expect_int()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) a.Set(static_cast<uint32_t>(i), fromIValue(env, IValue(list.get(i))));
    return a;
  }
  if (v.isList()) {
    auto list = v.toListRef();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) a.Set(static_cast<uint32_t>(i), fromIValue(env, list[i]));
    return a;
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    Napi::Array a = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); i++) a.Set(static_cast<uint32_t>(i), fromIValue(env, elems[i]));
    return a;
  }
  throw std::runtime_error("cannot return a value of kind " + v.tagKind() + " to JS");
}

}  // namespace tk
