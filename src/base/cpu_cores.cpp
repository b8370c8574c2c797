#include "base/cpu_cores.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace barcode {
namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The cpuset of this process's cgroup: "0::/path" (v2) or "N:cpuset:/path" (v1) in
// /proc/self/cgroup.
std::string cgroup_cpus() {
  std::ifstream in("/proc/self/cgroup");
  std::string line, v2, v1;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) v2 = line.substr(3);
    const size_t at = line.find(":cpuset:");
    if (at != std::string::npos) v1 = line.substr(at + 8);
  }
  if (!v1.empty()) {
    for (const char* name : {"cpuset.effective_cpus", "cpuset.cpus"}) {
      const std::string cpus = first_line("/sys/fs/cgroup/cpuset" + v1 + "/" + name);
      if (!cpus.empty()) return cpus;
    }
  }
  if (!v2.empty()) {
    const std::string base = "/sys/fs/cgroup" + (v2 == "/" ? std::string() : v2);
    const std::string cpus = first_line(base + "/cpuset.cpus.effective");
    if (!cpus.empty()) return cpus;
  }
  return "";
}

}  // namespace

bool parse_cpu_list(const std::string& text, cpu_set_t* set) {
  CPU_ZERO(set);
  std::istringstream in(text);
  std::string item;
  bool any = false;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    const size_t dash = item.find('-');
    char* end = nullptr;
    const long first = std::strtol(item.c_str(), &end, 10);
    long last = first;
    if (dash != std::string::npos) {
      if (end != item.c_str() + dash) return false;
      last = std::strtol(item.c_str() + dash + 1, &end, 10);
    }
    if ((*end != '\0' && *end != '\n') || first < 0 || last < first || last >= CPU_SETSIZE) {
      return false;
    }
    for (long c = first; c <= last; ++c) CPU_SET(static_cast<int>(c), set);
    any = true;
  }
  return any;
}

std::string cpu_list_text(const cpu_set_t& set) {
  std::string text;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(c, &set)) continue;
    int last = c;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    if (!text.empty()) text += ',';
    text += std::to_string(c);
    if (last > c) text += '-' + std::to_string(last);
    c = last;
  }
  return text;
}

std::vector<int> cpus_in_topology_order(const cpu_set_t& set, const std::string& sysfs) {
  struct Place {
    long package, core;
    int cpu;
  };
  constexpr long kUnknown = 1L << 30;  // after every real package and core
  std::vector<Place> places;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(c, &set)) continue;
    const std::string dir = sysfs + "/cpu" + std::to_string(c) + "/topology/";
    auto read = [&](const char* name) {
      const std::string text = first_line(dir + name);
      char* end = nullptr;
      const long v = std::strtol(text.c_str(), &end, 10);
      return text.empty() || *end != '\0' || v < 0 ? kUnknown : v;
    };
    places.push_back({read("physical_package_id"), read("core_id"), c});
  }
  std::stable_sort(places.begin(), places.end(), [](const Place& a, const Place& b) {
    if (a.package != b.package) return a.package < b.package;
    if (a.core != b.core) return a.core < b.core;
    return a.cpu < b.cpu;
  });
  std::vector<int> order;
  order.reserve(places.size());
  for (const Place& p : places) order.push_back(p.cpu);
  return order;
}

cpu_set_t cpu_slice(const cpu_set_t& set, int part, int parts, const std::string& sysfs) {
  cpu_set_t slice;
  CPU_ZERO(&slice);
  const std::vector<int> order = cpus_in_topology_order(set, sysfs);
  const auto count = static_cast<int>(order.size());
  if (parts < 1 || part < 0 || part >= parts || count < parts) return slice;
  // Cores [begin, end) of the order.
  const int begin = part * count / parts, end = (part + 1) * count / parts;
  for (int i = begin; i < end; ++i) CPU_SET(order[static_cast<size_t>(i)], &slice);
  return slice;
}

cpu_set_t cores_allowed() {
  cpu_set_t set;
  if (parse_cpu_list(cgroup_cpus(), &set)) return set;
  CPU_ZERO(&set);
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  for (long c = 0; c < online && c < CPU_SETSIZE; ++c) CPU_SET(static_cast<int>(c), &set);
  return set;
}

}  // namespace barcode
