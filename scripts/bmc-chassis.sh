#!/usr/bin/env bash
# shellcheck disable=SC2317  # stop_vm, start_vm and restart_vm run through later()
# The chassis of a simulated node, for OpenIPMI's ipmi_sim (lan.conf: chassis_control "bmc-chassis.sh DIR").
# ipmi_sim calls it as `bmc-chassis.sh DIR get power|boot ...` and `bmc-chassis.sh DIR set power 0|1 reset 1
# boot pxe|default|none|cdrom|bios shutdown 1`. DIR holds the VM: qemu-args (one argument a line), and what this
# script keeps: power (on|off), boot (the boot device), qemu.pid, qemu.log, chassis.log; monitor-port: the VM's monitor (soft off).
# Power on starts qemu (daemonized) with the boot device: pxe boots the network once (-boot once=n; later
# reboots use the disk) and is then forgotten, as a one-time override; default (the disk) stays. ipmi_sim does
# not pass the persistent bit on, so a BMC built on it cannot tell one-time from persistent.
set -u
dir=$1
op=$2
shift 2
log() { printf '%s %s\n' "$(date +%T)" "$*" >>"$dir/chassis.log"; }

# On when last powered on and qemu runs or is being started. ipmi_sim waits for this script, so it
# answers at once: starting and stopping qemu happen in the background, one at a time (DIR/chassis.lock).
running() {
  [ "$(cat "$dir/power" 2>/dev/null)" = on ] || return 1
  [ -f "$dir/qemu-args" ] || return 0
  [ -e "$dir/starting" ] || { [ -s "$dir/qemu.pid" ] && kill -0 "$(cat "$dir/qemu.pid")" 2>/dev/null; }
}

# Background: end the VM (TERM, KILL after 3 s).
stop_vm() {
  pid=$(cat "$dir/qemu.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 15); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null
  rm -f "$dir/qemu.pid"
}

# Background: start the VM with the boot order given.
start_vm() {
  mapfile -t args <"$dir/qemu-args"
  qemu-system-x86_64 "${args[@]}" -boot "$1" -daemonize -pidfile "$dir/qemu.pid" </dev/null >>"$dir/qemu.log" 2>&1
  rm -f "$dir/starting"
}

# Runs "$@" in the background after whatever the chassis is still doing.
later() {
  ( flock 9; "$@" ) 9>"$dir/chassis.lock" </dev/null >/dev/null 2>&1 &
}

# The boot order for this power-on; a network (or CD) boot is used up by it.
boot_order() {
  boot=$(cat "$dir/boot" 2>/dev/null || echo none)
  case $boot in
    pxe) order=once=n,order=c; echo none >"$dir/boot" ;;
    cdrom) order=once=d,order=c; echo none >"$dir/boot" ;;
    *) order=order=c ;;
  esac
}

restart_vm() {
  stop_vm
  start_vm "$1"
}

power_on() {
  running && return 0
  echo on >"$dir/power"
  [ -f "$dir/qemu-args" ] || { log "power on (no machine)"; return 0; }
  boot_order
  log "power on, boot $boot (-boot $order)"
  touch "$dir/starting"
  later restart_vm "$order"
}

# The VM's human monitor, on the loopback port in DIR/monitor-port: each argument a command.
monitor() {
  port=$(cat "$dir/monitor-port" 2>/dev/null) || return 1
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s\n' "$@" >&3
  sleep 0.3
  exec 3>&-
}

power_off() {
  running || return 0
  echo off >"$dir/power"
  [ -f "$dir/qemu-args" ] || { log "power off (no machine)"; return 0; }
  log "power off"
  rm -f "$dir/starting"
  later stop_vm
}

# A reset keeps the VM's process (its serial line, and so the SOL session, stay up): the monitor sets the
# boot device and resets; without a monitor, qemu is started again.
reset() {
  running || { power_on; return; }
  [ -f "$dir/qemu-args" ] || { log "reset"; return 0; }
  boot_order
  case $boot in pxe) dev=n ;; cdrom) dev=d ;; *) dev=c ;; esac
  if [ ! -e "$dir/starting" ] && monitor "boot_set $dev" system_reset; then
    log "reset, boot $boot (boot_set $dev)"
    return 0
  fi
  log "reset: power on, boot $boot (-boot $order)"
  touch "$dir/starting"
  later restart_vm "$order"
}

case $op in
  get)
    for parm in "$@"; do
      case $parm in
        power) if running; then echo "power:1"; else echo "power:0"; fi ;;
        boot) echo "boot:$(cat "$dir/boot" 2>/dev/null || echo none)" ;;
        *) echo "Invalid parameter: $parm"; exit 1 ;;
      esac
    done
    ;;
  set)
    while [ $# -ge 2 ]; do
      parm=$1 val=$2
      shift 2
      case $parm in
        power) if [ "$val" = 1 ]; then power_on; else power_off; fi ;;
        reset) reset ;;
        boot) log "boot device $val"; echo "$val" >"$dir/boot" ;;
        shutdown) log "soft off"; running && { monitor system_powerdown || true; } ;;
        *) echo "Invalid parameter: $parm"; exit 1 ;;
      esac
    done
    ;;
  *) echo "Invalid operation: $op"; exit 1 ;;
esac
exit 0
