// Which cores this process may run on, as the kernel's affinity mask and as the node's cgroup
// allows (the launcher's binding can be narrower than what the job was given).
#pragma once

#include <sched.h>

#include <string>
#include <vector>

namespace barcode {

// Parses a Linux CPU list ("0-3,8,10-11") into `set`; false on malformed text.
bool parse_cpu_list(const std::string& text, cpu_set_t* set);

// `set` as a Linux CPU list ("0-3,8,10-11"): parse_cpu_list's inverse.
std::string cpu_list_text(const cpu_set_t& set);

// The cores of `set` in topology order: by package (socket), then by core, then by number, so
// that the hardware threads of one core, and the cores of one package, are neighbours. Read from
// `sysfs` (normally /sys/devices/system/cpu, cpuN/topology/); cores whose topology cannot be read
// sort by number after the others.
std::vector<int> cpus_in_topology_order(const cpu_set_t& set,
                                        const std::string& sysfs = "/sys/devices/system/cpu");

// Part `part` of `parts` of the cores in `set`: consecutive cores in topology order, so that a
// part takes whole cores and whole packages where the numbers allow, in shares that differ by at
// most one core. Empty where `set` has fewer cores than parts.
cpu_set_t cpu_slice(const cpu_set_t& set, int part, int parts,
                    const std::string& sysfs = "/sys/devices/system/cpu");

// The cores the process's cpuset cgroup allows (cgroup v2 or v1), or every online core where
// there is none to read.
cpu_set_t cores_allowed();

}  // namespace barcode
