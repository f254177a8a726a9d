// Data-parallel communication on libtorch's own distributed engine, c10d: a TCPStore rendezvous and a
// ProcessGroupGloo (ProcessGroupNCCL where the build has it). One process group per process. Every blocking call
// is bounded by the timeout given to distInit, so a peer that dies or never arrives becomes a JS Error
// (code E_DIST), never a hang. Built without c10d (WHITTLE_WITH_GLOO undefined), the same exports throw E_DIST.
#include "dist.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "errors.h"
#include "handle.h"

#ifdef WHITTLE_WITH_GLOO
// libtorch's headers declare each backend only under the macro its own build defined.
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef WHITTLE_WITH_NCCL
#define USE_C10D_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

namespace tk {
namespace {

struct DistError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Like TK_PROTECT, but libtorch's errors here are communication failures: code E_DIST.
#define TK_DIST_PROTECT(env, ...)                                                               \
  try {                                                                                         \
    __VA_ARGS__                                                                                 \
  } catch (const Napi::Error& e) {                                                              \
    throw;                                                                                      \
  } catch (const ArgError& e) {                                                                 \
    makeError(env, "E_ARG", e.what()).ThrowAsJavaScriptException();                             \
  } catch (const c10::Error& e) {                                                               \
    makeError(env, "E_DIST", e.what_without_backtrace()).ThrowAsJavaScriptException();          \
  } catch (const std::exception& e) {                                                           \
    makeError(env, "E_DIST", e.what()).ThrowAsJavaScriptException();                            \
  } catch (...) {                                                                               \
    makeError(env, "E_DIST", "unknown C++ exception").ThrowAsJavaScriptException();             \
  }

std::vector<at::Tensor> tensorList(const Napi::Value& v, const char* what) {
  if (!v.IsArray()) throw ArgError(std::string(what) + ": expected an array of tensors");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(unwrapTensor(a.Get(i), what));
  return out;
}

#ifdef WHITTLE_WITH_GLOO

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
  std::string backend;
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{0};
};

std::unique_ptr<Group> group;

Group& current(const char* what) {
  if (!group) throw DistError(std::string(what) + ": no process group (call distInit first)");
  return *group;
}

// Waits for every work, each within the group's timeout; the first failure throws with c10d's message.
void waitAll(std::vector<c10::intrusive_ptr<c10d::Work>>& works, const Group& g) {
  for (auto& w : works) w->wait(g.timeout);
}

// Tensors grouped into flat buckets of one dtype and device, at most capBytes each (one tensor may exceed it).
std::vector<std::vector<size_t>> buckets(const std::vector<at::Tensor>& ts, int64_t capBytes) {
  std::vector<std::vector<size_t>> out;
  std::vector<size_t> cur;
  int64_t bytes = 0;
  for (size_t i = 0; i < ts.size(); i++) {
    const at::Tensor& t = ts[i];
    bool sameKind = cur.empty() || (ts[cur[0]].scalar_type() == t.scalar_type() && ts[cur[0]].device() == t.device());
    if (!cur.empty() && (!sameKind || bytes + static_cast<int64_t>(t.nbytes()) > capBytes)) {
      out.push_back(std::move(cur));
      cur = {};
      bytes = 0;
    }
    cur.push_back(i);
    bytes += static_cast<int64_t>(t.nbytes());
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

at::Tensor flatten(const std::vector<at::Tensor>& ts, const std::vector<size_t>& idx) {
  std::vector<at::Tensor> flat;
  for (size_t i : idx) flat.push_back(ts[i].detach().reshape({-1}));
  return flat.size() == 1 ? flat[0].clone() : at::cat(flat);
}

void unflatten(const at::Tensor& flat, const std::vector<at::Tensor>& ts, const std::vector<size_t>& idx) {
  at::NoGradGuard ng;
  int64_t off = 0;
  for (size_t i : idx) {
    const at::Tensor& t = ts[i];
    t.detach().copy_(flat.narrow(0, off, t.numel()).view(t.sizes()));
    off += t.numel();
  }
}

c10::intrusive_ptr<c10d::ProcessGroup> makeGloo(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                 const std::string& host, const std::string& iface, std::chrono::milliseconds timeout) {
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  // The address peers reach this process at: a named interface (GLOO_SOCKET_IFNAME, as in PyTorch), loopback when
  // the master is local, else the one the host name resolves to.
  if (!iface.empty()) opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
  else if (host == "127.0.0.1" || host == "localhost") opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  opts->threads = 2;
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
}

c10::intrusive_ptr<c10d::ProcessGroup> makeNccl(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size, std::chrono::milliseconds timeout) {
#ifdef WHITTLE_WITH_NCCL
  auto opts = c10d::ProcessGroupNCCL::Options::create();
  opts->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, opts);
#else
  throw DistError("distInit: backend nccl is not in this build (libtorch without CUDA/NCCL); use gloo");
#endif
}

// ({rank, worldSize, host, port, timeoutMs, backend, iface}) -> undefined. Blocks until every rank has arrived
// (rank 0 hosts the TCPStore) or the timeout passes.
Napi::Value DistInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_DIST_PROTECT(env, {
    if (!info[0].IsObject()) throw ArgError("distInit: expected an options object");
    Napi::Object o = info[0].As<Napi::Object>();
    auto num = [&](const char* k) -> int64_t {
      Napi::Value v = o.Get(k);
      if (!v.IsNumber()) throw ArgError(std::string("distInit: ") + k + " must be a number");
      return v.As<Napi::Number>().Int64Value();
    };
    auto str = [&](const char* k, const char* dflt) -> std::string {
      Napi::Value v = o.Get(k);
      return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string(dflt);
    };
    if (group) throw DistError("distInit: a process group already exists (call distShutdown first)");
    int rank = static_cast<int>(num("rank"));
    int size = static_cast<int>(num("worldSize"));
    int64_t port = num("port");
    std::chrono::milliseconds timeout(num("timeoutMs"));
    std::string host = str("host", "127.0.0.1");
    std::string backend = str("backend", "gloo");
    if (size < 1 || rank < 0 || rank >= size) throw ArgError("distInit: need 0 <= rank < worldSize");
    if (port < 1 || port > 65535) throw ArgError("distInit: port must be in [1, 65535]");
    if (backend != "gloo" && backend != "nccl") throw ArgError("distInit: backend must be gloo or nccl");
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(port);
    so.isServer = rank == 0;
    so.numWorkers = static_cast<size_t>(size);
    so.waitWorkers = true;
    so.timeout = timeout;
    auto g = std::make_unique<Group>();
    g->store = c10::make_intrusive<c10d::TCPStore>(host, so);
    g->pg = backend == "nccl" ? makeNccl(g->store, rank, size, timeout) : makeGloo(g->store, rank, size, host, str("iface", ""), timeout);
    g->backend = backend;
    g->rank = rank;
    g->size = size;
    g->timeout = timeout;
    group = std::move(g);
    return env.Undefined();
  })
  return env.Undefined();
}

c10d::ReduceOp parseOp(const std::string& s) {
  if (s == "sum" || s == "avg") return c10d::ReduceOp::SUM;  // avg = sum / world size (Gloo has no AVG)
  if (s == "max") return c10d::ReduceOp::MAX;
  if (s == "min") return c10d::ReduceOp::MIN;
  throw ArgError("distAllReduce: op must be sum, avg, max or min, got " + s);
}

// Runs one collective per flat bucket, all in flight before the first is waited on, then writes the buckets back
// into the tensors (after `finish` on each).
template <typename Launch, typename Finish>
void bucketed(std::vector<at::Tensor>& ts, int64_t capBytes, Group& g, Launch launch, Finish finish) {
  auto plan = buckets(ts, capBytes);
  std::vector<at::Tensor> flats;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& b : plan) {
    flats.push_back(flatten(ts, b));
    std::vector<at::Tensor> one{flats.back()};
    works.push_back(launch(one));
  }
  waitAll(works, g);
  for (size_t i = 0; i < plan.size(); i++) {
    finish(flats[i]);
    unflatten(flats[i], ts, plan[i]);
  }
}

// (tensors[], op, bucketBytes) -> undefined: reduces every tensor in place across ranks. Tensors are packed into
// flat buckets whose allreduces are all in flight at once before the first is waited on.
Napi::Value DistAllReduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_DIST_PROTECT(env, {
    Group& g = current("distAllReduce");
    std::vector<at::Tensor> ts = tensorList(info[0], "distAllReduce");
    std::string opName = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "sum";
    c10d::ReduceOp op = parseOp(opName);
    int64_t cap = info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : (25 << 20);
    c10d::AllreduceOptions ao;
    ao.reduceOp = op;
    ao.timeout = g.timeout;
    bucketed(ts, cap, g, [&](std::vector<at::Tensor>& one) { return g.pg->allreduce(one, ao); },
             [&](at::Tensor& flat) { if (opName == "avg") flat.div_(g.size); });
    return env.Undefined();
  })
  return env.Undefined();
}

// (tensors[], root) -> undefined: every rank's tensors become root's, in place (shapes must match).
Napi::Value DistBroadcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_DIST_PROTECT(env, {
    Group& g = current("distBroadcast");
    std::vector<at::Tensor> ts = tensorList(info[0], "distBroadcast");
    int root = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
    if (root < 0 || root >= g.size) throw ArgError("distBroadcast: root must be in [0, worldSize)");
    c10d::BroadcastOptions bo;
    bo.rootRank = root;
    bo.timeout = g.timeout;
    bucketed(ts, 25 << 20, g, [&](std::vector<at::Tensor>& one) { return g.pg->broadcast(one, bo); }, [](at::Tensor&) {});
    return env.Undefined();
  })
  return env.Undefined();
}

Napi::Value DistBarrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_DIST_PROTECT(env, {
    Group& g = current("distBarrier");
    c10d::BarrierOptions bo;
    bo.timeout = g.timeout;
    auto w = g.pg->barrier(bo);
    w->wait(g.timeout);
    return env.Undefined();
  })
  return env.Undefined();
}

// Drops the process group and the store (joining Gloo's threads); a no-op without one.
Napi::Value DistShutdown(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TK_DIST_PROTECT(env, {
    group.reset();
    return env.Undefined();
  })
  return env.Undefined();
}

// () -> {rank, worldSize, backend} or null.
Napi::Value DistInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!group) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("rank", group->rank);
  o.Set("worldSize", group->size);
  o.Set("backend", group->backend);
  return o;
}

const char* kBackends =
#ifdef WHITTLE_WITH_NCCL
    "gloo,nccl";
#else
    "gloo";
#endif

#else  // no c10d in this libtorch build

const char* kBackends = "";

Napi::Value Unavailable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  makeError(env, "E_DIST", "distributed training is not in this build: the addon was compiled against a libtorch without "
                           "c10d/Gloo headers (on Debian: apt-get install libgloo-dev, then npm run build:addon -- --force)")
      .ThrowAsJavaScriptException();
  return env.Undefined();
}
#define DistInit Unavailable
#define DistAllReduce Unavailable
#define DistBroadcast Unavailable
#define DistBarrier Unavailable
#define DistShutdown Unavailable
Napi::Value DistInfo(const Napi::CallbackInfo& info) { return info.Env().Null(); }

#endif

}  // namespace

void registerDist(Napi::Env env, Napi::Object exports) {
  auto fn = [&](const char* name, Napi::Function::Callback cb) { exports.Set(name, Napi::Function::New(env, cb, name)); };
  fn("distInit", DistInit);
  fn("distAllReduce", DistAllReduce);
  fn("distBroadcast", DistBroadcast);
  fn("distBarrier", DistBarrier);
  fn("distShutdown", DistShutdown);
  fn("distInfo", DistInfo);
  exports.Set("distBackends", Napi::String::New(env, kBackends));
}

}  // namespace tk
