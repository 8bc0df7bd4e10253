#include "worker/agent/worker_info.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <omp.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "common/version.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace cascade::worker {
namespace {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

// IPv4 address of interface `iface`, "" when it has none.
std::string InterfaceAddress(const std::string& iface) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET || iface != it->ifa_name) {
      continue;
    }
    char text[INET_ADDRSTRLEN] = {};
    const auto* addr = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
    if (inet_ntop(AF_INET, &addr->sin_addr, text, sizeof(text)) != nullptr) found = text;
    break;
  }
  freeifaddrs(list);
  return found;
}

const char* IsaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41:
      return "sse41";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    case dnnl::cpu_isa::all:
      return "all";
    default:
      return "other";
  }
}

}  // namespace

std::string DataPlaneHost(const AgentOptions& options) {
  return options.hostname.empty() ? HostName() : options.hostname;
}

v1::WorkerInfo CollectWorkerInfo(const AgentOptions& options) {
  v1::WorkerInfo info;
  info.set_hostname(HostName());
  info.set_pid(static_cast<int32_t>(getpid()));
  int cpus = options.threads;
  if (cpus <= 0) {
    const char* slurm = std::getenv("SLURM_CPUS_PER_TASK");
    if (slurm == nullptr || !absl::SimpleAtoi(slurm, &cpus) || cpus <= 0) {
      cpus = omp_get_max_threads();
    }
  }
  info.set_cpus(cpus);
  const std::string iface_ip = options.iface.empty() ? "" : InterfaceAddress(options.iface);
  info.set_data_plane_address(iface_ip.empty() ? DataPlaneHost(options) : iface_ip);
  if (const char* job = std::getenv("SLURM_JOB_ID")) info.set_slurm_job_id(job);
  if (const char* step = std::getenv("SLURM_STEP_ID")) info.set_slurm_step_id(step);
  if (const char* node = std::getenv("SLURMD_NODENAME")) info.set_slurm_node(node);
  int procid = 0;
  if (const char* p = std::getenv("SLURM_PROCID"); p && absl::SimpleAtoi(p, &procid)) {
    info.set_slurm_procid(procid);
  }
  info.set_cascade_version(kVersion);
  info.set_cpu_isa(IsaName(dnnl::get_effective_cpu_isa()));
  return info;
}

}  // namespace cascade::worker
