// Every exported function runs its body inside TK_PROTECT so that no C++ exception unwinds into Node:
// c10::Error keeps ATen's message without the C++ backtrace, anything else keeps what().
#pragma once
#include <napi.h>
#include <c10/util/Exception.h>
#include <stdexcept>
#include <string>

namespace tk {

// A mistake in the arguments the JS side passed (wrong type, disposed tensor): thrown as a JS TypeError.
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline Napi::Error makeError(Napi::Env env, const std::string& code, const std::string& msg) {
  Napi::Error err = code == "E_ARG" ? Napi::TypeError::New(env, msg) : Napi::Error::New(env, msg);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

}  // namespace tk

#define TK_PROTECT(env, ...)                                                         \
  try {                                                                              \
    __VA_ARGS__                                                                      \
  } catch (const Napi::Error& e) {                                                   \
    throw;                                                                           \
  } catch (const tk::ArgError& e) {                                                  \
    tk::makeError(env, "E_ARG", e.what()).ThrowAsJavaScriptException();              \
  } catch (const c10::Error& e) {                                                    \
    tk::makeError(env, "E_TORCH", e.what_without_backtrace()).ThrowAsJavaScriptException(); \
  } catch (const std::exception& e) {                                                \
    tk::makeError(env, "E_TORCH", e.what()).ThrowAsJavaScriptException();             \
  } catch (...) {                                                                    \
    tk::makeError(env, "E_TORCH", "unknown C++ exception").ThrowAsJavaScriptException(); \
  }
