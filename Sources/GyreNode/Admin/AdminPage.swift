/// The admin page: one self-contained HTML document (no external assets) that polls
/// `/admin/status` every second and shows the members and their state, the ring as ownership
/// per node, each member's request rate and mean latency (from the change in its counters
/// between two polls) and its storage health.
///
/// Contract: every member has a row `tr[data-node-id=ID]` in `#members` whose `.state` cell
/// holds the failure detector's word for it (alive, suspect or dead); `#updated` holds the time
/// of the last successful poll.
enum AdminPage {
    static let html: [UInt8] = Array(text.utf8)

    private static let text = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Gyre node</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .2em; }
h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
table { border-collapse: collapse; }
th, td { padding: .25em .7em; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.state { font-weight: 600; }
.alive { color: #1a7f37; } .suspect { color: #b58100; } .dead { color: #cf222e; }
.bar { display: inline-block; height: .8em; background: #4a78c2; vertical-align: middle; }
#error { color: #cf222e; }
.muted { color: #777; }
</style>
</head>
<body>
<h1>Gyre node <span id="node"></span></h1>
<div class="muted">version <span id="version"></span> · ring epoch <span id="epoch"></span> ·
  <span id="partitions"></span> partitions · N=<span id="replication"></span> · updated <span id="updated">never</span>
  <span id="error"></span></div>

<h2>Members (as this node's failure detector sees them)</h2>
<table id="members">
<thead><tr><th>node</th><th>name</th><th>client address</th><th>state</th><th>incarnation</th>
<th>requests/s</th><th>mean latency</th><th>in flight</th></tr></thead>
<tbody></tbody>
</table>

<h2>Ring: partitions owned per node</h2>
<canvas id="ring" width="220" height="220"></canvas>
<table id="ownership"><tbody></tbody></table>

<h2>Storage</h2>
<table id="storage">
<thead><tr><th>node</th><th>health</th><th>keys</th><th>SST bytes</th><th>memtable bytes</th>
<th>pending compaction</th><th>write stall</th><th>WAL fsyncs</th></tr></thead>
<tbody></tbody>
</table>

<script>
"use strict";
const colors = ["#4a78c2", "#e07b39", "#3f9e4d", "#c2453f", "#8a5cc2", "#8c6d31", "#d462a6", "#7f7f7f", "#b5b82a", "#2ab5c2"];
let previous = {};

function text(value) { return document.createTextNode(value === undefined || value === null ? "" : String(value)); }
function cell(row, value, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.appendChild(text(value));
  row.appendChild(td);
  return td;
}
function short(id) { return id.slice(0, 8); }
function bytes(n) {
  if (n === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0; while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}
function kvTotals(stats) {
  let calls = 0, micros = 0;
  for (const [name, value] of Object.entries(stats)) {
    if (name.startsWith("rpc.KV.")) calls += value;
    else if (name.startsWith("latency_micros.KV.")) micros += value;
  }
  return { calls, micros };
}

function render(status) {
  document.getElementById("node").textContent = short(status.node);
  document.getElementById("version").textContent = status.version;
  document.getElementById("epoch").textContent = status.epoch;
  document.getElementById("partitions").textContent = status.partition_count;
  document.getElementById("replication").textContent = status.replication;
  const members = document.querySelector("#members tbody");
  const ownership = document.querySelector("#ownership tbody");
  const storage = document.querySelector("#storage tbody");
  members.replaceChildren(); ownership.replaceChildren(); storage.replaceChildren();
  status.members.forEach((m, index) => {
    const row = document.createElement("tr");
    row.dataset.nodeId = m.id;
    cell(row, short(m.id) + (m.is_self ? " (this node)" : ""));
    cell(row, m.name || "–");
    cell(row, m.address);
    cell(row, m.state, "state " + m.state);
    cell(row, m.incarnation, "num");
    let rate = "–", latency = "–", inFlight = "–";
    if (m.stats) {
      const now = kvTotals(m.stats), before = previous[m.id];
      if (before) {
        const seconds = (status.time_milliseconds - before.time) / 1000;
        const calls = now.calls - before.calls;
        if (seconds > 0) rate = (calls / seconds).toFixed(1);
        latency = calls > 0 ? ((now.micros - before.micros) / calls / 1000).toFixed(2) + " ms" : "–";
      }
      previous[m.id] = { time: status.time_milliseconds, calls: now.calls, micros: now.micros };
      inFlight = m.stats["rpc.in_flight"];
    } else {
      delete previous[m.id];
    }
    cell(row, rate, "num"); cell(row, latency, "num"); cell(row, inFlight, "num");
    if (m.error) row.title = m.error;
    members.appendChild(row);

    const own = document.createElement("tr");
    const swatch = cell(own, "■"); swatch.style.color = colors[index % colors.length];
    cell(own, short(m.id));
    cell(own, m.partitions, "num");
    const share = status.partition_count ? m.partitions / status.partition_count : 0;
    const barCell = cell(own, (100 * share).toFixed(1) + "% ");
    const bar = document.createElement("span"); bar.className = "bar";
    bar.style.width = Math.round(300 * share) + "px"; bar.style.background = colors[index % colors.length];
    barCell.appendChild(bar);
    ownership.appendChild(own);

    const s = m.stats || {};
    const srow = document.createElement("tr");
    cell(srow, short(m.id));
    const health = !m.stats ? "unknown" : (s["storage.write_fault"] ? "write fault" : "ok");
    cell(srow, health, health === "ok" ? "alive" : "dead");
    cell(srow, s["storage.keys"], "num");
    cell(srow, bytes(s["storage.rocksdb.live_sst_files_bytes"]), "num");
    cell(srow, bytes(s["storage.rocksdb.memtable_bytes"]), "num");
    cell(srow, bytes(s["storage.rocksdb.pending_compaction_bytes"]), "num");
    cell(srow, s["storage.rocksdb.write_stopped"] ? "stopped" : (s["storage.rocksdb.delayed_write_rate"] ? "delayed" : "none"));
    cell(srow, s["storage.wal_syncs"], "num");
    storage.appendChild(srow);
  });
  drawRing(status);
  document.getElementById("updated").textContent = new Date(status.time_milliseconds).toLocaleTimeString();
}

function drawRing(status) {
  const canvas = document.getElementById("ring"), g = canvas.getContext("2d");
  const c = canvas.width / 2, outer = c - 4, inner = c - 34, n = status.owners.length;
  g.clearRect(0, 0, canvas.width, canvas.height);
  for (let p = 0; p < n; p++) {
    const a0 = 2 * Math.PI * p / n - Math.PI / 2, a1 = 2 * Math.PI * (p + 1) / n - Math.PI / 2;
    g.beginPath(); g.arc(c, c, outer, a0, a1); g.arc(c, c, inner, a1, a0, true); g.closePath();
    g.fillStyle = colors[status.owners[p] % colors.length]; g.fill();
  }
}

async function poll() {
  try {
    const response = await fetch("/admin/status", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    document.getElementById("error").textContent = "";
  } catch (e) {
    document.getElementById("error").textContent = "· cannot reach this node: " + e.message;
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
"""#
}
