// The gallery's style sheet and scripts, inlined into every page it writes (no files to copy,
// nothing fetched). Plain ES5 and CSS that any browser of the last decade runs.
#pragma once

namespace barcode::gallery_assets {

inline constexpr const char* kStyle = R"CSS(
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5em 2em; background: #111; color: #ddd; }
a { color: #9cf; }
header { position: sticky; top: 0; background: #111; padding: .8em 0; z-index: 1; }
h1 { font-size: 1.3em; margin: 0 0 .4em; }
.controls input, .controls select { font: inherit; padding: .2em .4em; margin-right: 1em; }
ul.movies { list-style: none; padding: 0; margin: 0; }
li.movie { margin: 0 0 1.2em; }
.barcode { display: block; width: 100%; height: 64px; image-rendering: pixelated; }
.nobarcode { height: 64px; background: repeating-linear-gradient(45deg, #222, #222 8px, #1a1a1a 8px,
  #1a1a1a 16px); color: #888; display: flex; align-items: center; padding-left: 1em; }
.meta span { margin-right: 1em; color: #aaa; }
.meta .name { font-weight: 600; margin-right: 1em; }
.status { border-radius: 3px; padding: 0 .4em; color: #111 !important; }
.status.done { background: #7c7; } .status.failed { background: #e66; }
.status.incomplete { background: #eb5; }
.reason { color: #e99; }
.swatches { display: flex; height: 14px; max-width: 480px; margin-top: .2em; }
.swatches span { flex: 1; }
.frame { position: relative; }
.frame .barcode { height: 160px; cursor: crosshair; }
.frame .palette { height: 120px; }
#cursor { position: absolute; top: 0; bottom: 0; width: 1px; background: #fff; pointer-events: none; }
#readout { margin: .8em 0; min-height: 5em; }
#readout .swatches { height: 40px; max-width: none; }
#readout .swatches span { flex: none; }
)CSS";

// Index page: filter by name (also from ?q=), sort by the select (also from ?sort=).
inline constexpr const char* kIndexScript = R"JS(
(function () {
  var list = document.getElementById('movies');
  var cards = Array.prototype.slice.call(list.children);
  var filter = document.getElementById('filter');
  var sort = document.getElementById('sort');
  var shown = document.getElementById('shown');
  function byName(a, b) { return a.dataset.name.localeCompare(b.dataset.name); }
  var rank = { failed: 0, incomplete: 1, done: 2 };
  function order() {
    var key = sort.value;
    cards.slice().sort(function (a, b) {
      if (key === 'status') return rank[a.dataset.status] - rank[b.dataset.status] || byName(a, b);
      if (key === 'name') return byName(a, b);
      return Number(b.dataset[key]) - Number(a.dataset[key]) || byName(a, b);
    }).forEach(function (card) { list.appendChild(card); });
  }
  function apply() {
    var q = filter.value.trim().toLowerCase();
    var count = 0;
    cards.forEach(function (card) {
      var hit = (card.dataset.name + ' ' + card.dataset.source).toLowerCase().indexOf(q) >= 0;
      card.hidden = !hit;
      if (hit) count++;
    });
    shown.textContent = count + ' of ' + cards.length + ' shown';
  }
  var params = new URLSearchParams(location.search);
  if (params.has('q')) filter.value = params.get('q');
  if (params.has('sort')) sort.value = params.get('sort');
  filter.addEventListener('input', apply);
  sort.addEventListener('change', order);
  order();
  apply();
})();
)JS";

// Movie page: the pointer's column gives a row of the inline data (#x=F, 0..1, shows column F
// on load, so that a page can be linked to a moment, and tested without a pointer).
inline constexpr const char* kMovieScript = R"JS(
(function () {
  var data = JSON.parse(document.getElementById('data').textContent);
  var frame = document.getElementById('frame');
  var image = document.getElementById('barcode');
  var cursor = document.getElementById('cursor');
  var time = document.getElementById('time');
  var index = document.getElementById('index');
  var palette = document.getElementById('palette');
  function two(n) { return (n < 10 ? '0' : '') + n; }
  function timecode(s) {
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, rest = s - 60 * Math.floor(s / 60);
    return h + ':' + two(m) + ':' + (rest < 10 ? '0' : '') + rest.toFixed(3);
  }
  function show(f) {
    if (!data.rows.length) return;
    f = Math.min(Math.max(f, 0), 0.999999);
    var row = data.rows[Math.floor(f * data.rows.length)];
    time.textContent = timecode(row[0]);
    index.textContent = 'frame ' + row[1];
    while (palette.firstChild) palette.removeChild(palette.firstChild);
    row[2].forEach(function (hex, j) {
      var swatch = document.createElement('span');
      swatch.style.background = '#' + hex;
      swatch.style.width = row[3][j] + '%';
      swatch.title = '#' + hex + ', ' + row[3][j] + '% of the frame';
      palette.appendChild(swatch);
    });
    cursor.style.left = (100 * f) + '%';
  }
  frame.addEventListener('mousemove', function (e) {
    var box = image.getBoundingClientRect();
    show((e.clientX - box.left) / box.width);
  });
  var at = /x=([0-9.]+)/.exec(location.hash);
  show(at ? Number(at[1]) : 0);
})();
)JS";

}  // namespace barcode::gallery_assets
