#!/bin/sh
# Boot media (sysclone.media=1, `sysclone media build`): sourced by init once the network is up.
# The command line carries no token: like iPXE's boot.ipxe, ask the server's /boot with this
# machine's MACs, DMI UUID and serial, and do what its answer says. Sets node, token, action and
# onfail for init, or keeps asking (unknown machine, nothing to install, a refusal).
# With sysclone.node=NAME on the media, this machine must be NAME to the server: any other answer
# is refused here, and an unknown machine is told how to make it NAME.
# shellcheck disable=SC2154,SC2034 # init's variables (server, nics, configured), and those it reads back (node, token, action, onfail)

media_urlencode() {
	printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n' | sed 's/../%&/g'
}

media_dmi() {
	tr -d '\n' <"/sys/class/dmi/id/$1" 2>/dev/null
}

media_macs() {
	macs=""
	# The NIC that has the address first, as iPXE's ${netX/mac} is the one it booted from.
	for nic in $configured $nics; do
		mac=$(cat "/sys/class/net/$nic/address" 2>/dev/null) || continue
		case ",$macs," in *",$mac,"*) continue ;; esac
		macs="${macs:+$macs,}$mac"
	done
	echo "$macs"
}

media_wanted=$node
media_answer=/run/sysclone-media.answer
media_query="mac=$(media_macs)&uuid=$(media_urlencode "$(media_dmi product_uuid)")&serial=$(media_urlencode "$(media_dmi product_serial)")&arch=x86_64&platform=media${media_wanted:+&node=$media_wanted}"
while :; do
	if ! wget -q -O "$media_answer" "$server/boot?$media_query"; then
		echo "sysclone: the server at $server did not answer; retrying in 10 s"
		sleep 10
		continue
	fi
	sed -n 's/^echo //p' "$media_answer"
	kernel_line=$(grep '^kernel ' "$media_answer" || true)
	if [ -n "$kernel_line" ]; then
		answered_node="" token="" action=clone
		for word in $kernel_line; do
			case "$word" in
			sysclone.node=*) answered_node=${word#*=} ;;
			sysclone.token=*) token=${word#*=} ;;
			sysclone.action=*) action=${word#*=} ;;
			sysclone.onfail=*) onfail=${word#*=} ;;
			esac
		done
		if [ -n "$media_wanted" ] && [ "$answered_node" != "$media_wanted" ]; then
			echo "sysclone: this media is for $media_wanted, but the server knows this machine as $answered_node: nothing is installed"
			token="" action=refused
			break
		fi
		node=$answered_node
		echo "sysclone: the server knows this machine as $node"
		break
	fi
	wait=$(sed -n 's/^sleep \([0-9][0-9]*\)$/\1/p' "$media_answer" | head -n 1)
	if grep -q '^exit 1' "$media_answer"; then
		echo "sysclone: nothing to install: remove the boot media to boot from the disk (or nodeset ${media_wanted:-NODE} osimage=NAME)"
		wait=30
	elif grep -q 'not known to the server' "$media_answer" && [ -n "$media_wanted" ]; then
		echo "sysclone: to make this machine $media_wanted: chdef $media_wanted mac=$(media_macs | cut -d, -f1)"
	fi
	sleep "${wait:-30}"
done
