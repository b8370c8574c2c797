#!/usr/bin/env bash
# apt-install.sh PACKAGE...: installs the Debian packages of the list that are not installed yet
# (with sudo when not root). Idempotent: when every package is there it prints nothing and
# touches nothing. Shared by install-deps.sh and install-test-deps.sh.
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "$(basename "${APT_INSTALL_FOR:-$0}"): installing ${missing[*]}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
