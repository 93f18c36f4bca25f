#!/bin/sh
# @NAME@: a sysclone command, installed by its Debian package. The bundled Node.js runs it; the home
# defaults to /var/lib/sysclone (a checkout keeps its own default: the checkout itself).
SYSCLONE_HOME=${SYSCLONE_HOME:-/var/lib/sysclone}
PATH=/usr/lib/sysclone/node/bin:$PATH
export SYSCLONE_HOME PATH
exec /usr/lib/sysclone/node/bin/node /usr/lib/sysclone/bin/@NAME@.js "$@"
