# Shared by ./run, ./test and ./bench: find a JDK 21+ and Maven. Source it; do not run it.

java_major() { # prints the major version of the java binary $1, or 0
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}' || echo 0
}

find_jdk() {
  local candidates=() c
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for c in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -Vr); do candidates+=("${c%/}"); done
  for c in "${candidates[@]}"; do
    if [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] && [ "$(java_major "$c/bin/java")" -ge 21 ] 2>/dev/null; then
      export JAVA_HOME="$c"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  cat >&2 <<MSG
parley: no JDK 21 or newer found (looked at JAVA_HOME, PATH and /usr/lib/jvm/*).
Install one, for example:  sudo apt-get install openjdk-21-jdk-headless
or point JAVA_HOME at an existing JDK 21+.
MSG
  exit 1
}

apt_install() { # installs Debian packages when running as root (or with sudo)
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "parley: please install: $*" >&2
    exit 1
  fi
  echo "parley: installing $* ..." >&2
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

find_maven() {
  command -v mvn >/dev/null 2>&1 || apt_install maven
  # Maven's own libraries use sun.misc.Unsafe; JDK 23+ warns about it on every build.
  if [ "$(java_major "$JAVA_HOME/bin/java")" -ge 23 ] 2>/dev/null; then
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
  fi
}

ensure_ffmpeg() { # videos and voice notes are probed and transcoded with Debian's ffmpeg
  command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || apt_install ffmpeg
}

ensure_chromium() { # the browser tests drive Debian's Chromium through Debian's chromedriver
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || apt_install chromium chromium-driver
}

listening() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}
