#include "handle.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "errors.h"

namespace tk {

namespace {
constexpr double kSlots = 67108864.0;  // 2^26 slots; generations wrap at 2^26 too, keeping ids exact doubles
struct Slot {
  at::Tensor t;
  uint32_t gen = 0;
  int64_t bytes = 0;
};
std::vector<Slot> slots;
std::vector<uint32_t> freeSlots;
int64_t live = 0;

// What V8 is told a handle holds: the storage size, capped. Uncapped, the activations of one training step
// (hundreds of MB that dispose() frees within the step) start a concurrent GC every step, whose threads then
// compete with libtorch's; capped, a loop that forgets to dispose still drives GC after a few thousand tensors.
int64_t accountedBytes(const at::Tensor& t) {
  constexpr int64_t kCap = 64 * 1024;
  return t.has_storage() ? std::min<int64_t>(static_cast<int64_t>(t.storage().nbytes()), kCap) : 0;
}

Slot* slotOf(const Napi::Value& v) {
  if (!v.IsNumber()) return nullptr;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != std::floor(d)) return nullptr;
  double gen = std::floor(d / kSlots);
  double idx = d - gen * kSlots;
  if (idx >= static_cast<double>(slots.size())) return nullptr;
  Slot& s = slots[static_cast<size_t>(idx)];
  if (s.gen != static_cast<uint32_t>(gen) || !s.t.defined()) return nullptr;
  return &s;
}
}  // namespace

Napi::Value wrapTensor(Napi::Env env, at::Tensor t) {
  uint32_t idx;
  if (!freeSlots.empty()) {
    idx = freeSlots.back();
    freeSlots.pop_back();
  } else {
    if (slots.size() >= static_cast<size_t>(kSlots)) throw std::runtime_error("too many live tensors (2^26); dispose some");
    idx = static_cast<uint32_t>(slots.size());
    slots.emplace_back();
  }
  Slot& s = slots[idx];
  s.t = std::move(t);
  s.bytes = accountedBytes(s.t);
  live++;
  if (s.bytes) Napi::MemoryManagement::AdjustExternalMemory(env, s.bytes);
  return Napi::Number::New(env, static_cast<double>(s.gen) * kSlots + idx);
}

const at::Tensor* findTensor(const Napi::Value& v) {
  Slot* s = slotOf(v);
  return s ? &s->t : nullptr;
}

const at::Tensor& unwrapTensor(const Napi::Value& v, const char* what) {
  if (const at::Tensor* t = findTensor(v)) return *t;
  if (!v.IsNumber()) throw ArgError(std::string(what) + ": expected a Tensor");
  throw ArgError(std::string(what) + ": tensor was disposed and cannot be used again");
}

bool disposeHandle(Napi::Env env, const Napi::Value& v) {
  Slot* s = slotOf(v);
  if (!s) return false;
  s->t.reset();
  s->gen = (s->gen + 1) % static_cast<uint32_t>(kSlots);
  if (s->bytes) Napi::MemoryManagement::AdjustExternalMemory(env, -s->bytes);
  s->bytes = 0;
  live--;
  freeSlots.push_back(static_cast<uint32_t>(s - slots.data()));
  return true;
}

int64_t liveTensorCount() { return live; }

}  // namespace tk
