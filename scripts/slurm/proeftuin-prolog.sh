#!/bin/sh
# proeftuin-prolog.sh - Slurm Prolog (slurm.conf: Prolog=/path/to/it):
# a node that cannot give proeftuin's sandbox fails its prolog, so Slurm
# drains the node and requeues the job elsewhere instead of letting every
# task there exit 71.  `proeftuin probe` says why in the node's slurmd log.
exec "${PROEFTUIN:-proeftuin}" probe >/dev/null
