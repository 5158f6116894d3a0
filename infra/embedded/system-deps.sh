#!/usr/bin/env bash
# System packages the embedded stack and the tests need: a JDK 17 (OpenSearch, Kafka), npm (the server downloads),
# Maven (Kafka's jars), docker-compose (the compose file's validity test), chromium (the Dashboards browser test),
# kcat (a client we did not write).
# Installs what is missing when run as root on Debian/Ubuntu; otherwise prints the one command to run.
set -euo pipefail

missing=()
ls /usr/lib/jvm/java-17-openjdk-*/bin/java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)  # the Dashboards browser test
command -v mvn >/dev/null 2>&1 || missing+=(maven)  # fetches Apache Kafka's jars (NEWSFLOW_STACK_BROKER=kafka)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)  # a Kafka client we did not write, in the tests
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "newsflow: missing system packages: ${missing[*]}" >&2
  echo "newsflow: install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "newsflow: installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
  echo "newsflow: apt-get install ${missing[*]} failed; install them by hand and run make again" >&2
  exit 1
fi
