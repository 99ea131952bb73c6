"""The studio's style sheet and scripts: fixed text, no value of an article's in them (pages
pass values as escaped attributes, which the scripts read)."""

STYLE = """
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, sans-serif; background: #0e1a2b; color: #e8eef6; }
a { color: #8ec5ff; } header { padding: 14px 28px; border-bottom: 1px solid #2b405e;
  display: flex; gap: 24px; align-items: center; flex-wrap: wrap; }
h1 { margin: 0; font-size: 20px; } h1 a { color: inherit; text-decoration: none; }
main { padding: 20px 28px; display: grid; gap: 32px; }
h2 { margin: 0 0 4px; font-size: 20px; } .meta { color: #a9b8cc; font-size: 14px; }
.variants { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; margin-top: 10px; }
figure { margin: 0; max-width: 100%; }
video { display: block; background: #000; border-radius: 8px; max-width: 100%;
  width: auto; height: auto; max-height: calc(100vh - 190px); }
.variants video { max-height: min(calc(100vh - 190px), 520px); }
figcaption { font-size: 14px; color: #a9b8cc; margin-top: 6px; }
.downloads a { margin-right: 10px; font-size: 14px; }
.button, button { background: #e63946; color: #fff; border: 0; border-radius: 6px;
  padding: 7px 14px; font: inherit; cursor: pointer; text-decoration: none; }
button:disabled { opacity: .5; cursor: wait; }
.drop { border: 2px dashed #2b405e; border-radius: 8px; padding: 8px 14px; font-size: 14px; }
.drop.over { border-color: #e63946; background: #17304f; }
.status { font-size: 14px; color: #a9b8cc; min-height: 1.4em; }
.status.error { color: #ff8c8c; font-family: ui-monospace, monospace; }
.studio { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 28px; }
.scenes { list-style: none; margin: 0; padding: 0; display: grid; gap: 18px; }
.scenes li { background: #13243b; border-radius: 8px; padding: 12px 14px; }
.scenes input, .scenes textarea, .settings select, .settings input { width: 100%;
  background: #0e1a2b; color: #e8eef6; border: 1px solid #2b405e; border-radius: 6px;
  padding: 6px 8px; font: inherit; }
.scenes input { font-weight: 600; } .scenes textarea { resize: vertical; margin-top: 6px; }
.scenes .holds { font-size: 13px; color: #a9b8cc; margin-top: 4px; }
.seek { background: #17304f; padding: 2px 8px; font-size: 13px; margin-right: 8px; }
.side { position: sticky; top: 0; align-self: start; padding-top: 4px; }
.side video { max-height: calc(100vh - 300px); margin-top: 6px; }
.settings { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; margin: 0 0 4px; }
.settings label { font-size: 13px; color: #a9b8cc; display: grid; gap: 2px; }
.settings select { width: auto; max-width: 210px; } .settings input { width: 80px; }
@media (max-width: 900px) { .studio { grid-template-columns: 1fr; } .side { position: static; } }
"""

# Common to every page: seek buttons, the status poll, the upload of a new story.
COMMON = """
function seekTo(video, seconds) {
  if (video.readyState >= 1) { video.currentTime = seconds; return; }
  video.addEventListener('loadedmetadata', function () { video.currentTime = seconds; },
                         {once: true});
}
document.querySelectorAll('[data-seek]').forEach(function (el) {
  el.addEventListener('click', function () {
    seekTo(document.getElementById(el.dataset.video), parseFloat(el.dataset.seek));
  });
});
function show(text, error) {
  var line = document.getElementById('status');
  line.textContent = text;
  line.className = error ? 'status error' : 'status';
}
function watch(then) {
  fetch('/api/status').then(function (r) { return r.json(); }).then(function (s) {
    if (s.state === 'running') {
      show((s.label || 'starting') + ' ' + s.done + '/' + s.total + ' (' +
           s.elapsed.toFixed(1) + ' s)');
      setTimeout(function () { watch(then); }, 250);
    } else if (s.state === 'failed') {
      show('narrate: error: ' + s.error, true);
      document.querySelectorAll('button.go').forEach(function (b) { b.disabled = false; });
    } else { then(s); }
  }).catch(function () { setTimeout(function () { watch(then); }, 1000); });
}
function post(url, body, type, then) {
  document.querySelectorAll('button.go').forEach(function (b) { b.disabled = true; });
  show('starting');
  fetch(url, {method: 'POST', body: body, headers: {'Content-Type': type}})
    .then(function (r) { return r.json().then(function (answer) {
      if (r.ok) { watch(then); return; }
      show('narrate: error: ' + answer.error, true);
      document.querySelectorAll('button.go').forEach(function (b) { b.disabled = false; });
    }); });
}
function open_story(s) { location.href = '/story/' + encodeURIComponent(s.story); }
var drop = document.getElementById('drop');
function upload(file) {
  if (!file) { return; }
  post('/api/new?name=' + encodeURIComponent(file.name), file, 'application/octet-stream',
       open_story);
}
if (drop) {
  var input = document.getElementById('article');
  input.addEventListener('change', function () { upload(input.files[0]); });
  drop.addEventListener('dragover', function (e) {
    e.preventDefault(); drop.classList.add('over');
  });
  drop.addEventListener('dragleave', function () { drop.classList.remove('over'); });
  drop.addEventListener('drop', function (e) {
    e.preventDefault(); drop.classList.remove('over'); upload(e.dataTransfer.files[0]);
  });
}
"""

# The story page: collect the edits, render them, come back at the first edited scene.
STORY = """
var video = document.querySelector('.side video');
var at = new URLSearchParams(location.search).get('at');
var scenes = Array.from(document.querySelectorAll('.scenes li'));
// 0.25 s in: past the crossfade from the scene before (0.2 s), within the silence before
// the scene's first word (0.3 s), so its own card shows and nothing it says is missed.
if (at !== null && scenes[+at]) {
  seekTo(video, parseFloat(scenes[+at].dataset.start) + 0.25);
  scenes[+at].scrollIntoView({block: 'center'});
}
function edited(li) {
  return Array.from(li.querySelectorAll('input, textarea')).some(function (el) {
    return el.value !== el.defaultValue;
  });
}
document.getElementById('render').addEventListener('click', function () {
  var first = scenes.findIndex(edited);
  var body = {
    scenes: scenes.map(function (li) {
      var boxes = Array.from(li.querySelectorAll('textarea'));
      return {heading: li.querySelector('input').value,
              narration: boxes.map(function (t) { return t.value; })};
    }),
    theme: document.getElementById('theme').value,
    voice: document.getElementById('voice').value,
    rate: parseInt(document.getElementById('rate').value, 10) || null,
    shape: document.getElementById('shape').value,
  };
  var name = document.body.dataset.story;
  post('/api/stories/' + encodeURIComponent(name) + '/render', JSON.stringify(body),
       'application/json', function (s) {
    location.href = '/story/' + encodeURIComponent(s.story) + '?at=' + Math.max(first, 0);
  });
});
"""
