#!/bin/bash
# layers.sh -- no module includes a header of a stage above it.
#
# The stages, lowest first, are src/'s folders in the order the pipeline
# builds on them: util, tree (tree.c), config, sources, hurd, disk, ext2
# (ext2.c), layout, boot, and at the top inspect, build.c and main.c.  A
# header belongs to the stage of the module that defines it (its .c
# file's folder; a header with no .c of its name to the module that
# defines its functions, listed below).  Every #include "..." of every
# .c and .h is checked.  And a new source kind must need nothing but its
# own file, its line in Makefile.am and one line in source.c's table:
# the kinds are not named anywhere else.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "no python3"
cd "$top_srcdir" || exit 1

python3 - <<'EOF' > layers.out 2>&1 || true
import glob, os, re, sys
order = ["util", "tree", "config", "sources", "hurd", "disk", "ext2",
         "layout", "boot", "top"]
rank = {s: i for i, s in enumerate(order)}
def stage_of_c(path):
    parts = path.split("/")
    if len(parts) == 2:
        base = os.path.basename(path)[:-2]
        return {"tree": "tree", "hostfile": "tree", "ext2": "ext2",
                "copier": "ext2", "prefetch": "ext2"}.get(base, "top")
    return "top" if parts[1] == "inspect" else parts[1]
mods = {c: stage_of_c(c) for c in glob.glob("src/**/*.c", recursive=True)}
# A header is its module's; these have no .c of their own name.
header = {os.path.basename(c)[:-2] + ".h": s for c, s in mods.items()}
header.update({"mbr.h": "layout", "partition.h": "layout",
               "partition-table.h": "layout", "qcow2.h": "disk",
               "disk-read.h": "disk", "inspect.h": "top",
               "source.h": "sources", "config-partitions.h": "config",
               "source-dir.h": "sources",
               "autoconfig.h": "util"})
bad = 0
files = list(mods.items()) + [(h, header.get(os.path.basename(h)))
                              for h in glob.glob("include/*.h")]
for path, st in files:
    if st is None:
        print(f"{path}: a header whose stage is unknown (add it to layers.sh)")
        bad += 1
        continue
    for inc in re.findall(r'#include "([^"]+)"', open(path).read()):
        hs = header.get(inc)
        if hs is None:
            print(f"{path}: includes {inc}, whose stage is unknown")
            bad += 1
        elif rank[hs] > rank[st]:
            print(f"{path} ({st}) includes {inc} ({hs}), a stage above it")
            bad += 1
print(f"checked {len(files)} files, {bad} problems")
sys.exit(1 if bad else 0)
EOF
if tail -1 layers.out | grep -q ', 0 problems$'; then
	ok "layers: $(tail -1 layers.out)"
else
	bad "layers:"; sed 's/^/    /' layers.out
fi
rm -f layers.out

# The source kinds are known by their own files and source.c's table, and
# nowhere else: config.c builds its schema from the registry.
for kind in directory closure archive substitutes file symlink; do
	where=$(grep -rlw --include='*.[ch]' "source_$kind" src include | sort | tr '\n' ' ')
	in_config=$(grep -rl --include='*.[ch]' "\"$kind\"" src/config | tr '\n' ' ')
	case $where in
	"include/source-"*".h src/sources/source-"*".c src/sources/source.c ")
		[ -z "$in_config" ] &&
			ok "source kind $kind: in its own file and the registry only" ||
			bad "source kind $kind is spelled out in $in_config" ;;
	*) bad "source kind $kind is named in: $where" ;;
	esac
done
[ "$fails" = 0 ]
