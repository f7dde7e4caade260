package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/spec"
)

var segmentsCmd = &Command{
	Name:  "segments",
	Args:  "[-json] " + opsArgs,
	Short: "list the spec's segments and the flags that use them",
	Long: `Segments lists the segments the spec declares (named audiences that flags
list under "segments"), each with its effective definition (the spec with
its live patch applied), the flags that list it and the segments that name
it. A segment whose live patch is refused is marked; instances then use
the spec's definition.`,
	Topics: opsTopics,
	Setup:  readSetup(runSegments),
}

var segmentCmd = &Command{
	Name: "segment",
	Args: "NAME [-json] | NAME include|exclude|drop KEY... | NAME patch JSON [-replace] | NAME -revert FIELD[,FIELD...] " +
		writeArgs + "[-reason TEXT] " + opsArgs,
	Short: "show a segment, or change it live: include or exclude users",
	Long: `Segment shows segment NAME (its effective definition, live patch and the
flags that use it) or changes its live patch; every flag that lists the
segment follows, on every instance:

  segment NAME include KEY...   add the keys to include (and drop them from exclude)
  segment NAME exclude KEY...   add the keys to exclude (and drop them from include)
  segment NAME drop KEY...      drop the keys from include and exclude
  segment NAME patch JSON       merge the object into the live patch (-replace: replace it)
  segment NAME -revert FIELD,…  delete fields from the live patch: back to the spec
                                (a segment the spec lacks: delete its orphaned patch)

KEYs are values of the key attribute (integers for an int key). A segment's
live patch may set: ` + strings.Join(spec.SegmentFields(), ", ") + `; null removes a
field. Values are checked as in the spec: a key of the wrong type, an
unknown segment or a cycle of segments is refused with the reason and
nothing is written. E.g.

	flaggen segment eu_beta include 123 -reason "beta tester"`,
	Topics: writeTopics,
	Setup:  setupSegment,
}

func setupSegment(fs *flag.FlagSet) func(*Env, []string) error {
	o := addOps(fs)
	o.addJSON(fs)
	o.addActor(fs, "say why in `TEXT`, for the audit trail (optional)")
	replace := fs.Bool("replace", false, "with patch: replace the segment's whole live patch instead of merging into it")
	revert := fs.String("revert", "", "delete the `FIELD[,FIELD...]` from the segment's live patch: back to the spec's values")
	return func(env *Env, args []string) error {
		args, err := interspersed(env, fs, args)
		if err != nil {
			return err
		}
		if len(args) == 0 {
			return Usagef("missing NAME")
		}
		name, rest := args[0], args[1:]
		if *revert != "" {
			if len(rest) > 0 {
				return Usagef("-revert takes no other argument (unexpected %q)", rest[0])
			}
			var fields []string
			for _, f := range strings.Split(*revert, ",") {
				if f = strings.TrimSpace(f); f == "" {
					continue
				}
				if !slices.Contains(spec.SegmentFields(), f) {
					return Usagef("-revert: %q is not a segment field (one of %s)", f, strings.Join(spec.SegmentFields(), ", "))
				}
				fields = append(fields, f)
			}
			if len(fields) == 0 {
				return Usagef("-revert needs at least one FIELD")
			}
			return runSegmentWrite(env, o, ops.FlagWrite{Flag: name, Plan: ops.Revert(fields)}, true)
		}
		if len(rest) == 0 {
			return runSegmentShow(env, o, name)
		}
		switch sub := rest[0]; sub {
		case "include", "exclude", "drop":
			if len(rest) < 2 {
				return Usagef("%s needs at least one KEY", sub)
			}
			s, _, err := o.open(env, false)
			if err != nil {
				return err
			}
			keys, err := ops.KeyValues(s.Spec, rest[1:])
			s.Close()
			if err != nil {
				return err
			}
			field := sub
			if sub == "drop" {
				field = "include"
			}
			return runSegmentWrite(env, o, ops.FlagWrite{Flag: name, Plan: ops.SegmentKeys(name, field, keys, sub == "drop")}, false)
		case "patch":
			if err := wantArgs(rest[1:], "JSON"); err != nil {
				return err
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal([]byte(rest[1]), &obj); err != nil || obj == nil {
				return fmt.Errorf("segment %s patch: want a JSON object of fields, e.g. '{\"include\": [123]}': %s", name, jsonErr(err))
			}
			return runSegmentWrite(env, o, ops.FlagWrite{Flag: name, Plan: ops.MergePatch(obj, *replace), Replace: *replace}, false)
		default:
			return Usagef("unknown subcommand %q: want include, exclude, drop or patch", sub)
		}
	}
}

// runSegmentWrite writes w (ops.Session.WriteSegment, w.Flag naming the
// segment) with the actor and -reason, then prints the segment.
// runSegmentWrite writes w with ops.Session.WriteSegment; with revert, a
// segment the spec lacks but the live state has a patch of (an orphaned
// segment patch) has its patch deleted instead.
func runSegmentWrite(env *Env, o *opsOpts, w ops.FlagWrite, revert bool) error {
	write := (*ops.Session).WriteSegment
	if revert {
		write = func(s *ops.Session, w ops.FlagWrite) (bool, error) {
			if _, orphan := s.State.Flags[spec.SegmentKey(w.Flag)]; orphan && ops.CheckSegment(s.Spec, w.Flag) != nil {
				return s.DeleteOrphanSegment(w)
			}
			return s.WriteSegment(w)
		}
	}
	s, wrote, err := writeWith(env, o, w, write)
	if err != nil {
		return err
	}
	defer s.Close()
	if ops.CheckSegment(s.Spec, w.Flag) != nil { // an orphaned patch, deleted
		fmt.Fprintf(env.Stdout, "segment %s: orphaned live patch deleted (the spec has no such segment)\n", ops.Shown(w.Flag))
		reportSubscribers(env, s)
		return nil
	}
	in, err := s.Inspect()
	if err != nil {
		return err
	}
	g := in.Segment(w.Flag)
	note := ""
	if !wrote {
		note = "no change (nothing written): "
	}
	fmt.Fprintf(env.Stdout, "segment %s: %s%s\n", g.Segment, note, ops.Shown(string(g.Definition)))
	if wrote {
		reportSubscribers(env, s)
	}
	return nil
}

func runSegmentShow(env *Env, o *opsOpts, name string) error {
	s, _, err := o.open(env, false)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := ops.CheckSegment(s.Spec, name); err != nil {
		return err
	}
	in, err := s.Inspect()
	if err != nil {
		return err
	}
	g := in.Segment(name)
	if o.json {
		out := *g
		out.Live = jsonShown(out.Live)
		return writeJSON(env.Stdout, out)
	}
	w := env.Stdout
	fmt.Fprintf(w, "segment:     %s\n", g.Segment)
	if g.Description != "" {
		fmt.Fprintf(w, "description: %s\n", ops.Shown(g.Description))
	}
	fmt.Fprintf(w, "definition:  %s\n", ops.Shown(string(g.Definition)))
	fmt.Fprintf(w, "live patch:  %s (live state version %d)\n", ops.Shown(string(g.Live)), in.Version)
	if g.Problem != "" {
		fmt.Fprintf(w, "problem:     %s\n", ops.Shown(oneLine(g.Problem)))
	}
	fmt.Fprintf(w, "flags:       %s\n", orDash(strings.Join(g.Flags, ", ")))
	if len(g.IndirectFlags) > 0 {
		fmt.Fprintf(w, "indirect:    %s (through other segments)\n", strings.Join(g.IndirectFlags, ", "))
	}
	if len(g.UsedBy) > 0 {
		fmt.Fprintf(w, "used by:     %s\n", strings.Join(g.UsedBy, ", "))
	}
	return nil
}

func runSegments(env *Env, o *opsOpts, _ []string) error {
	s, in, err := o.openFlags(env, true)
	if err != nil {
		return err
	}
	defer s.Close()
	segs := in.Segments
	if segs == nil {
		segs = []ops.SegmentInfo{}
	}
	if o.json {
		for i := range segs {
			segs[i].Live = jsonShown(segs[i].Live)
		}
		return writeJSON(env.Stdout, segs)
	}
	if len(segs) == 0 {
		fmt.Fprintln(env.Stderr, "the spec declares no segments")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEGMENT\tFLAGS\tINCLUDE\tEXCLUDE\tDEFINITION")
	for _, g := range segs {
		def := ops.Shown(string(g.Definition))
		if g.Problem != "" {
			def += " [live patch refused]"
		}
		flags := slices.Clone(g.Flags)
		for _, f := range g.IndirectFlags {
			flags = append(flags, f+" (indirect)")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", g.Segment, orDash(strings.Join(flags, ",")), keysText(g.Include), keysText(g.Exclude), def)
	}
	return tw.Flush()
}

// keysText shows a key list's length, "-" for none.
func keysText(list json.RawMessage) string {
	var keys []json.RawMessage
	if json.Unmarshal(list, &keys) != nil || keys == nil {
		return "-"
	}
	return fmt.Sprint(len(keys))
}
