// Runs the script embedded in a kprof-top flame graph against a minimal DOM
// built from the SVG (tree.json: python's xml.etree parse of it, written by
// svg.sh), and drives it as a user would: hover, click to zoom, Esc, Ctrl-F
// search, reset.  No browser here; this checks the script's logic and that
// it runs without errors on a real file.
//   node svg_script.js tree.json ZOOM_FRAME LEAF SEARCH_REGEX
"use strict";
const fs = require("fs");
const [treeFile, zoomName, leafName, term] = process.argv.slice(2);
const tree = JSON.parse(fs.readFileSync(treeFile, "utf8"));
let failures = 0;
function check(ok, what) {
	if (!ok) {
		console.error("FAIL: " + what);
		failures++;
	}
}

class El {
	constructor(tag, attrs, text) {
		this.tagName = tag;
		this.attrs = Object.assign({}, attrs);
		this.text = text || "";
		this.children = [];
		this.parentNode = null;
		this.style = {};
		this.listeners = {};
		const el = this;
		this.classList = {
			list() { return (el.attrs["class"] || "").split(/\s+/).filter(Boolean); },
			contains(c) { return this.list().includes(c); },
			add(c) { if (!this.contains(c)) el.attrs["class"] = this.list().concat([c]).join(" "); },
			remove(c) { el.attrs["class"] = this.list().filter((x) => x !== c).join(" "); },
			toggle(c, on) { if (on === undefined) on = !this.contains(c); on ? this.add(c) : this.remove(c); return on; },
		};
	}
	getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; }
	setAttribute(n, v) { this.attrs[n] = String(v); }
	appendChild(c) { c.parentNode = this; this.children.push(c); return c; }
	get textContent() { return this.text + this.children.map((c) => c.textContent).join(""); }
	set textContent(v) { this.text = String(v); this.children = []; }
	*walk() { for (const c of this.children) { yield c; yield* c.walk(); } }
	getElementsByTagName(t) { return [...this.walk()].filter((e) => e.tagName === t); }
	addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
	fire(type, e) { (this.listeners[type] || []).forEach((fn) => fn(e)); }
}

function build(node) {
	const el = new El(node.tag, node.attrs, node.text);
	node.children.forEach((c) => el.appendChild(build(c)));
	return el;
}
const root = build(tree);
root.namespaceURI = "http://www.w3.org/2000/svg";
const all = [root, ...root.walk()];
const document = {
	documentElement: root,
	getElementById: (id) => all.find((e) => e.attrs.id === id) || null,
	createElementNS: (ns, tag) => new El(tag, {}, ""),
};
let answer = null;
const window = {
	listeners: {},
	addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); },
	prompt: () => answer,
	alert: (m) => check(false, "alert: " + m),
};

const script = root.getElementsByTagName("script")[0].textContent;
new Function("document", "window", script)(document, window);

const byId = (id) => document.getElementById(id);
const framesEl = byId("frames");
const frames = framesEl.getElementsByTagName("g").map((g) => {
	const r = g.getElementsByTagName("rect")[0], title = g.getElementsByTagName("title")[0].textContent;
	return { g, r, title, name: title.substring(0, title.lastIndexOf(" (")),
		 x: +r.attrs.x, w: +r.attrs.width, y: +r.attrs.y };
});
const named = (n) => frames.filter((f) => f.name === n);
const shown = (f) => f.g.style.display !== "none";
const W = +root.attrs.width, PAD = +root.attrs["data-xpad"], FULL = W - 2 * PAD;
const near = (a, b) => Math.abs(a - b) < 0.02;

// Hover: the details line shows the frame's title.
const leaf = named(leafName).sort((a, b) => b.w - a.w)[0];
check(leaf, "no frame " + leafName);
framesEl.fire("mouseover", { target: leaf.r });
check(byId("details").textContent.startsWith(leaf.title), "hover: details is " + byId("details").textContent);

// Click: the frame fills the width, its callees scale with it, its callers
// stay (full width, dimmed), everything else is hidden.
const z = named(zoomName).sort((a, b) => b.w - a.w)[0];
check(z, "no frame " + zoomName);
framesEl.fire("click", { target: z.r });
check(near(+z.r.attrs.x, PAD) && near(+z.r.attrs.width, FULL), "zoomed frame at " + z.r.attrs.x + " width " + z.r.attrs.width);
const inside = frames.filter((f) => f.y < z.y && f.x >= z.x - 0.02 && f.x + f.w <= z.x + z.w + 0.02);
const below = frames.filter((f) => f.y > z.y && f.x <= z.x + 0.02 && f.x + f.w >= z.x + z.w - 0.02);
const other = frames.filter((f) => f !== z && !inside.includes(f) && !below.includes(f));
check(inside.length > 0 && other.length > 0, "zoom: nothing inside or nothing outside " + zoomName);
inside.forEach((f) => check(shown(f) && near(+f.r.attrs.width, f.w * FULL / z.w),
	"zoom: " + f.name + " width " + f.r.attrs.width + ", expected " + (f.w * FULL / z.w).toFixed(2)));
below.forEach((f) => check(shown(f) && f.g.classList.contains("parent") && near(+f.r.attrs.width, FULL),
	"zoom: caller " + f.name + " not full width and dimmed"));
other.forEach((f) => check(!shown(f), "zoom: " + f.name + " still shown"));
check(!byId("unzoom").classList.contains("hide"), "zoom: no Reset zoom button");
if (inside.includes(leaf))
	check(leaf.g.getElementsByTagName("text").length === 1 &&
	      leaf.g.getElementsByTagName("text")[0].textContent.length > 0, "zoom: " + leafName + " has no label");

// Esc: back to the whole graph.
window.listeners.keydown.forEach((fn) => fn({ key: "Escape", preventDefault() {} }));
frames.forEach((f) => check(shown(f) && near(+f.r.attrs.x, f.x) && near(+f.r.attrs.width, f.w) &&
	!f.g.classList.contains("parent"), "unzoom: " + f.name + " not restored"));
check(byId("unzoom").classList.contains("hide"), "unzoom: Reset zoom still shown");

// Ctrl-F: matches highlighted, their share shown (nested matches once).
answer = term;
let prevented = false;
window.listeners.keydown.forEach((fn) => fn({ key: "f", ctrlKey: true, preventDefault() { prevented = true; } }));
check(prevented, "Ctrl-F: the browser's own search not prevented");
const re = new RegExp(term);
frames.forEach((f) => check(f.g.classList.contains("match") === re.test(f.name), "search: " + f.name + " match class wrong"));
const hits = frames.filter((f) => re.test(f.name) && !frames.some((o) => o !== f && re.test(o.name) &&
	o.y > f.y && o.x <= f.x + 0.02 && o.x + o.w >= f.x + f.w - 0.02));
const want = 100 * hits.reduce((s, f) => s + f.w, 0) / FULL;
const got = parseFloat(byId("matched").textContent.replace("Matched: ", ""));
check(Math.abs(got - want) < 0.15, "search: matched " + byId("matched").textContent + ", expected " + want.toFixed(1));
check(byId("search").textContent === "Reset search", "search: button says " + byId("search").textContent);
console.log("search " + term + ": " + byId("matched").textContent);
// The button again: cleared.
byId("search").fire("click", {});
check(frames.every((f) => !f.g.classList.contains("match")) && byId("search").textContent === "Search",
      "search reset: highlights or button left");
process.exit(failures ? 1 : 0);
