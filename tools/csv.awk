# csv.awk: what the suite's awk programs share: a CSV line split by hand (quotes
# honoured, so any awk will do, mawk too) and seconds written for a human.
# Used as: awk -f tools/csv.awk -f tools/summary.awk FILE (likewise bench.awk).

function split_csv(line, out,    n, i, c, field, inq) {
	n = 0; field = ""; inq = 0
	for (i = 1; i <= length(line); i++) {
		c = substr(line, i, 1)
		if (inq) {
			if (c == "\"" && substr(line, i + 1, 1) == "\"") { field = field "\""; i++ }
			else if (c == "\"") inq = 0
			else field = field c
		} else if (c == "\"") inq = 1
		else if (c == ",") { out[++n] = field; field = "" }
		else field = field c
	}
	out[++n] = field
	return n
}

function human(s) {
	if (s == "") return "-"
	s = s + 0
	if (s < 1e-6) return sprintf("%.3g ns", s * 1e9)
	if (s < 1e-3) return sprintf("%.3g us", s * 1e6)
	if (s < 1) return sprintf("%.3g ms", s * 1e3)
	return sprintf("%.3g s", s)
}
