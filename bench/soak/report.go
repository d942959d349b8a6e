package soak

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"
	"time"

	"duplex.dev/bench/load"
)

// header names the columns of Sample.line and of the markdown table.
const header = "time | open conns | server RSS | goroutines | heap | GCs | GC pause max | GC pause p99 | ops/s | p99 all | p99 echo | p99 stream | p99 broadcast | p99 churn cycle | errors"

func (s Sample) label() string {
	if s.After {
		return "after close"
	}
	return fmt.Sprintf("%.0f s", s.At.Seconds())
}

func (s Sample) cells(interval time.Duration) []string {
	opsPerSec := "–"
	if s.At > 0 && !s.After {
		opsPerSec = fmt.Sprintf("%.0f", float64(s.Ops)/interval.Seconds())
	}
	return []string{
		s.label(), fmt.Sprint(s.Open),
		fmt.Sprintf("%.1f MB", float64(s.RSS)/(1<<20)), fmt.Sprint(s.Goroutines),
		fmt.Sprintf("%.1f MB", float64(s.HeapBytes)/(1<<20)), fmt.Sprint(s.GCs),
		load.FormatDuration(s.GCPauseMax), load.FormatDuration(s.GCPauseP99), opsPerSec,
		load.FormatDuration(s.P99), load.FormatDuration(s.EchoP99), load.FormatDuration(s.StreamP99),
		load.FormatDuration(s.BroadcastP99), load.FormatDuration(s.ChurnP99), fmt.Sprint(s.Errors),
	}
}

// line is the progress line of a sample taken every interval.
func (s Sample) line(interval time.Duration) string {
	return strings.Join(s.cells(interval), " | ")
}

// Markdown writes the run as a table, one row per sample, with the machine,
// the command and the traffic mix above it and the errors below. chart is the
// path of the SVG chart relative to the markdown file ("" for none).
func (r *Result) Markdown(w io.Writer, command, chart string) error {
	bw := bufio.NewWriter(w)
	c := r.Config
	echo, stream, room, churn, idle := (&runner{cfg: c}).split()
	fmt.Fprintf(bw, "Server: `%s`. Machine: %s.  \n", r.Server, load.Machine())
	fmt.Fprintf(bw, "Command: `%s` (ran %s, sampled every %s).  \n", command, r.Elapsed.Round(time.Second), c.Interval)
	fmt.Fprintf(bw, "Traffic: %d connections: %d echo (64 B every %s), %d server→client streams (%d events, reconnect after %s), %d room members in %d rooms (one 64 B message per room every %s), %d churn workers (connect, echo, close every %s), %d idle.\n\n",
		c.Conns, echo, c.EchoEvery, stream, c.StreamEvents, c.StreamEvery, room, c.Rooms, c.PublishEvery, churn, c.ChurnEvery, idle)
	fmt.Fprintln(bw, "Server figures (RSS from /proc, goroutines, heap and GC from the server's runtime) are read at the sample; GCs, pauses, ops and latencies are over the interval before it. The first row is the server before any connection, the last once every client has left.")
	fmt.Fprintln(bw)
	fmt.Fprintf(bw, "| %s |\n", strings.ReplaceAll(header, " | ", " | "))
	fmt.Fprintf(bw, "|%s\n", strings.Repeat("--:|", strings.Count(header, "|")+1))
	for _, s := range r.Samples {
		fmt.Fprintf(bw, "| %s |\n", strings.Join(s.cells(c.Interval), " | "))
	}
	fmt.Fprintf(bw, "\nFailed operations: %d.", r.Errors)
	for i, err := range r.FirstErrors {
		if i == 0 {
			fmt.Fprint(bw, " First ones:")
		}
		fmt.Fprintf(bw, "\n* `%s`", strings.ReplaceAll(err.Error(), "`", "'"))
	}
	fmt.Fprintln(bw)
	if chart != "" {
		fmt.Fprintf(bw, "\n![server RSS, goroutines, GC pauses and p99 latency over time](%s)\n", chart)
	}
	return bw.Flush()
}

// series is one line of a chart panel.
type series struct {
	name  string
	color string
	value func(Sample) float64
}

// SVG writes the run as four panels over time: server RSS (MB), server
// goroutines, the longest GC pause of each interval (ms), and the p99
// latencies per kind of traffic (ms). The "after close" sample is left out.
func (r *Result) SVG(w io.Writer) error {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	panels := []struct {
		title string
		lines []series
	}{
		{"server RSS (MB)", []series{{"RSS", "#2563eb", func(s Sample) float64 { return float64(s.RSS) / (1 << 20) }},
			{"heap", "#93c5fd", func(s Sample) float64 { return float64(s.HeapBytes) / (1 << 20) }}}},
		{"server goroutines", []series{{"goroutines", "#059669", func(s Sample) float64 { return float64(s.Goroutines) }}}},
		{"GC pause per interval (ms)", []series{{"max", "#d97706", func(s Sample) float64 { return ms(s.GCPauseMax) }},
			{"p99", "#fbbf24", func(s Sample) float64 { return ms(s.GCPauseP99) }}}},
		{"client p99 latency (ms)", []series{
			{"echo", "#2563eb", func(s Sample) float64 { return ms(s.EchoP99) }},
			{"stream", "#059669", func(s Sample) float64 { return ms(s.StreamP99) }},
			{"broadcast", "#7c3aed", func(s Sample) float64 { return ms(s.BroadcastP99) }},
			{"churn cycle", "#6b7280", func(s Sample) float64 { return ms(s.ChurnP99) }}}},
	}
	var samples []Sample
	for _, s := range r.Samples {
		if !s.After {
			samples = append(samples, s)
		}
	}
	const (
		width  = 960
		left   = 70
		right  = 180
		top    = 50
		panelH = 150
		gap    = 40
	)
	height := top + len(panels)*(panelH+gap) + 20
	plotW := width - left - right
	var maxT float64
	for _, s := range samples {
		maxT = max(maxT, s.At.Seconds())
	}
	maxT = max(maxT, 1)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintln(bw, `<rect width="100%" height="100%" fill="white"/>`)
	fmt.Fprintf(bw, `<text x="10" y="20" font-size="15" font-weight="bold">Duplex soak: %s server, %d connections, %s</text>`+"\n", html.EscapeString(r.Server), r.Config.Conns, r.Elapsed.Round(time.Second))
	fmt.Fprintf(bw, `<text x="10" y="38" fill="#555">%s — x axis: seconds since the traffic started</text>`+"\n", html.EscapeString(load.Machine()))
	for p, panel := range panels {
		y0 := top + p*(panelH+gap)
		var maxV float64
		for _, l := range panel.lines {
			for _, s := range samples {
				maxV = max(maxV, l.value(s))
			}
		}
		if maxV <= 0 {
			maxV = 1
		}
		fmt.Fprintf(bw, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", left, y0+12, html.EscapeString(panel.title))
		fmt.Fprintf(bw, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#ccc"/>`+"\n", left, y0+20, plotW, panelH-20)
		fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-4, y0+28, fmtValue(maxV))
		fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="end">0</text>`+"\n", left-4, y0+panelH)
		fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="end">%.0f s</text>`+"\n", left+plotW, y0+panelH+14, maxT)
		for i, l := range panel.lines {
			var pts []string
			for j, s := range samples {
				if j == 0 && p >= 2 {
					continue // no pauses or latencies before the traffic starts
				}
				x := float64(left) + s.At.Seconds()/maxT*float64(plotW)
				y := float64(y0+panelH) - l.value(s)/maxV*float64(panelH-20)
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
			}
			fmt.Fprintf(bw, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", l.color, strings.Join(pts, " "))
			ly := y0 + 34 + i*16
			fmt.Fprintf(bw, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
				left+plotW+12, ly-9, l.color, left+plotW+26, ly, html.EscapeString(l.name))
		}
	}
	fmt.Fprintln(bw, `</svg>`)
	return bw.Flush()
}

func fmtValue(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}
