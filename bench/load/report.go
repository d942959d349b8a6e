package load

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Machine describes where the run happened: OS/arch, CPU count and model, Go version.
func Machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if name, ok := strings.CutPrefix(sc.Text(), "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
		f.Close()
	}
	return fmt.Sprintf("%s/%s, %d CPUs (%s), %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), model, runtime.Version())
}

// FormatDuration writes d for a report: "–" for none, µs below a
// millisecond, ms with two decimals below a second, else seconds.
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

func fmtRate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

// The ratios of the report are against Goa and against the raw gorilla
// server that writes inline (raw-inline), or the one with a writer
// goroutine (raw) when raw-inline is not in the run.
const (
	goaBase = "goa"
	rawBase = "raw-inline"
	rawAlt  = "raw"
)

// figure is the headline number of a row: throughput, or bytes per
// connection for the memory scenarios.
func figure(r *Row) float64 {
	m := r.Median()
	if r.Scenario.Memory {
		return m.BytesPerConn
	}
	return m.Throughput()
}

// rawName is the raw server the report compares with.
func (r *Report) rawName() string {
	if slices.Contains(r.Servers, rawBase) {
		return rawBase
	}
	return rawAlt
}

// baseRow returns the row of server for row's scenario, nil when there is
// none or it has no measured round.
func (r *Report) baseRow(row *Row, server string) *Row {
	b := r.Row(row.Scenario.Name, server)
	if b == nil || len(b.Rounds) == 0 {
		return nil
	}
	return b
}

func ratio(v, base float64) string {
	if base == 0 || v == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", v/base)
}

// Markdown writes the results table: per scenario and server the median
// throughput, its ratio to Goa and to the raw server, p50 and p99 and the
// p99 ratio to Goa, and the server's CPU per operation and its ratio to
// Goa's; the idle scenarios show memory per connection instead (lower is
// better). command is the command line that produced the run, chart the
// path of the SVG chart relative to the markdown file ("" for none).
func (r *Report) Markdown(w io.Writer, command, chart string) error {
	raw := r.rawName()
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Machine: %s.  \n", Machine())
	fmt.Fprintf(bw, "Command: `%s` (rounds: %d, interleaved: each round runs every scenario against every server, rotating the server order; figures are medians of the rounds; run took %s).  \n",
		command, r.Config.Rounds, r.Elapsed.Round(time.Second))
	fmt.Fprintf(bw, "Ratios are against `%s` and against `%s` (gorilla/websocket, no framework): above 1.00 is faster, except memory and CPU, where below 1.00 is better. Each scenario names its load client (gorilla/websocket or coder/websocket).\n\n", goaBase, raw)
	fmt.Fprintln(bw, "Server CPU is the CPU time the server process used per operation (utime + stime from /proc/PID/stat, 10 ms resolution over the scenario; for broadcast, over the publishing only, the joins excluded): its cost regardless of the load client's share of the machine.")
	fmt.Fprintln(bw)
	fmt.Fprintf(bw, "| scenario | server | throughput | × %s | × %s | p50 | p99 | p99 × %s | server CPU/op | CPU × %s |\n", goaBase, raw, goaBase, goaBase)
	fmt.Fprintln(bw, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, row := range r.Rows {
		name := html.EscapeString(row.Scenario.Name)
		if len(row.Rounds) == 0 {
			fmt.Fprintf(bw, "| %s | %s | failed: %s | | | | | | | |\n", name, row.Server, escapeCell(errText(row.Errors)))
			continue
		}
		m := row.Median()
		var thr, relGoa, relRaw, p99rel, cpurel string
		if b := r.baseRow(row, goaBase); b != nil {
			bm := b.Median()
			relGoa = ratio(figure(row), figure(b))
			p99rel = ratio(float64(m.P99), float64(bm.P99))
			cpurel = ratio(float64(m.CPUPerOp()), float64(bm.CPUPerOp()))
		}
		if b := r.baseRow(row, raw); b != nil {
			relRaw = ratio(figure(row), figure(b))
		}
		if row.Scenario.Memory {
			thr = fmt.Sprintf("%.1f KB/conn", m.BytesPerConn/1024)
		} else {
			thr = fmt.Sprintf("%s %s/s", fmtRate(m.Throughput()), row.Scenario.Unit)
		}
		note := ""
		if len(row.Errors) > 0 {
			note = fmt.Sprintf(" (%d of %d rounds failed)", len(row.Errors), len(row.Errors)+len(row.Rounds))
		}
		fmt.Fprintf(bw, "| %s | %s | %s%s | %s | %s | %s | %s | %s | %s | %s |\n", name, row.Server, thr, note, relGoa, relRaw,
			FormatDuration(m.P50), FormatDuration(m.P99), p99rel, FormatDuration(m.CPUPerOp()), cpurel)
	}
	r.baselineTable(bw)
	if chart != "" {
		fmt.Fprintf(bw, "\n![throughput and p99 per server](%s)\n", chart)
	}
	return bw.Flush()
}

// baselineOf returns the server a baseline server (KIND@REV, run from
// another revision's build, see BuildBaseline) is the baseline of: KIND,
// when it is in the run.
func (r *Report) baselineOf(server string) (string, bool) {
	kind, _, ok := strings.Cut(server, "@")
	return kind, ok && slices.Contains(r.Servers, kind)
}

// baselineTable writes, when the run has baseline servers, each current
// server's figures against its baseline's in the same rounds: throughput
// (memory per connection for the idle scenarios), p99 and CPU per
// operation, each as current ÷ baseline.
func (r *Report) baselineTable(bw *bufio.Writer) {
	var rows [][2]*Row
	for _, row := range r.Rows {
		kind, ok := r.baselineOf(row.Server)
		if !ok {
			continue
		}
		cur := r.baseRow(row, kind)
		if b := r.baseRow(row, row.Server); b != nil && cur != nil {
			rows = append(rows, [2]*Row{cur, b})
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "Against the baseline (`KIND@REV` is the same server built from revision REV, run in the same rounds): current ÷ baseline; throughput above 1.00 is faster, memory, p99 and CPU below 1.00 are better.")
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "| scenario | server | baseline | throughput (memory) × baseline | p99 × baseline | CPU × baseline |")
	fmt.Fprintln(bw, "|---|---|---|--:|--:|--:|")
	for _, p := range rows {
		cur, b := p[0], p[1]
		cm, bm := cur.Median(), b.Median()
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s |\n", html.EscapeString(cur.Scenario.Name), cur.Server, b.Server,
			ratio(figure(cur), figure(b)), ratio(float64(cm.P99), float64(bm.P99)), ratio(float64(cm.CPUPerOp()), float64(bm.CPUPerOp())))
	}
}

func errText(errs []error) string {
	if len(errs) == 0 {
		return ""
	}
	s := errs[0].Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func escapeCell(s string) string { return strings.ReplaceAll(html.EscapeString(s), "|", `\|`) }

// palette colours the servers in the chart, in report order.
var palette = []string{"#374151", "#6b7280", "#d97706", "#2563eb", "#059669", "#7c3aed"}

// SVG writes a chart with one group per scenario: on the left a bar per server
// for throughput (memory per connection for the idle scenario), on the right
// a bar per server for p99 latency, each scaled to the largest value of the group.
func (r *Report) SVG(w io.Writer) error {
	const (
		width    = 960
		labelW   = 130
		panelW   = 330
		gap      = 40
		barH     = 14
		titleH   = 22
		groupGap = 14
		top      = 56
	)
	servers := len(r.Servers)
	groupH := titleH + servers*(barH+4) + groupGap
	height := top + len(r.Rows)/max(servers, 1)*groupH + 40
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(bw, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(bw, `<text x="10" y="20" font-size="15" font-weight="bold">Duplex benchmark: throughput (left) and p99 latency (right) per server</text>`+"\n")
	fmt.Fprintf(bw, `<text x="10" y="38" fill="#555">%s — medians of %d round(s); longer is better on the left (memory: shorter), shorter on the right</text>`+"\n", html.EscapeString(Machine()), r.Config.Rounds)
	for i, name := range r.Servers {
		x := 10 + i*150
		fmt.Fprintf(bw, `<rect x="%d" y="44" width="10" height="10" fill="%s"/><text x="%d" y="53">%s</text>`+"\n", x, palette[i%len(palette)], x+14, html.EscapeString(name))
	}
	y := top
	for g := 0; g*servers < len(r.Rows); g++ {
		rows := r.Rows[g*servers : (g+1)*servers]
		s := rows[0].Scenario
		fmt.Fprintf(bw, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+titleH-6, html.EscapeString(s.Name))
		var maxFig, maxP99 float64
		for _, row := range rows {
			if len(row.Rounds) > 0 {
				maxFig = max(maxFig, figure(row))
				maxP99 = max(maxP99, float64(row.Median().P99))
			}
		}
		for i, row := range rows {
			by := y + titleH + i*(barH+4)
			color := palette[max(0, slices.Index(r.Servers, row.Server))%len(palette)]
			fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-6, by+barH-3, html.EscapeString(row.Server))
			if len(row.Rounds) == 0 {
				fmt.Fprintf(bw, `<text x="%d" y="%d" fill="#b91c1c">failed</text>`+"\n", labelW, by+barH-3)
				continue
			}
			m := row.Median()
			fig := figure(row)
			label := fmt.Sprintf("%s %s/s", fmtRate(fig), s.Unit)
			if s.Memory {
				label = fmt.Sprintf("%.1f KB/conn", fig/1024)
			}
			if b := r.baseRow(row, goaBase); b != nil && row.Server != goaBase {
				label += " (" + ratio(fig, figure(b)) + "× goa)"
			}
			bar(bw, labelW, by, barW(fig, maxFig, panelW), barH, color, label)
			bar(bw, labelW+panelW+gap, by, barW(float64(m.P99), maxP99, panelW), barH, color, "p99 "+FormatDuration(m.P99))
		}
		y += groupH
	}
	fmt.Fprintln(bw, `</svg>`)
	return bw.Flush()
}

func barW(v, maxV float64, full int) int {
	if maxV <= 0 {
		return 0
	}
	return max(1, int(v/maxV*float64(full-120)))
}

func bar(w io.Writer, x, y, width, h int, color, label string) {
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
		x, y, width, h, color, x+width+4, y+h-3, html.EscapeString(label))
}
