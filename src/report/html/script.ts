/**
 * `TIMELINE_SCRIPT` is the timeline page's script (plain ES2020, inlined): selecting a step (click,
 * Enter, arrow keys, or #step-N in the address) highlights it and its conflicting steps and links,
 * and fills the side panel with the step's kernel stack, its conflicts, the page-table entries of
 * the trace before and after the step, and the machine state when the trace has it. It builds the
 * panel with text nodes only, so nothing in a trace can become markup.
 */
export const TIMELINE_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('pagerace-data').textContent);
  var panel = document.getElementById('panel');
  var boxes = Array.prototype.slice.call(document.querySelectorAll('.step'));
  var paths = Array.prototype.slice.call(document.querySelectorAll('svg.links path.race'));
  var current = -1;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }

  /** the entry's value just before step i and just after it */
  function valuesAt(h, i) {
    var before = null, after = null, touched = false;
    for (var k = 0; k < h.touches.length; k++) {
      var t = h.touches[k];
      if (t.step < i) before = t.after;
      else if (t.step === i) { touched = true; if (before === null) before = t.before; after = t.after; }
    }
    if (before === null) before = h.touches[0].before;
    if (after === null) after = before;
    return { before: before, after: after, touched: touched };
  }

  function racesOf(i) {
    return data.races.filter(function (r) { return r.first === i || r.second === i; })
      .map(function (r) { return r.first === i ? r.second : r.first; });
  }

  function describe(i) {
    var s = data.steps[i];
    return 'step ' + s.step + ' cpu' + s.cpu + ' ' + s.task + ' ' + (s.fn ? s.fn + ' ' : '') + s.what;
  }

  function stepLink(i) {
    var a = el('a', { href: '#step-' + i, 'data-index': String(i) }, [describe(i)]);
    a.addEventListener('click', function (ev) { ev.preventDefault(); select(i, true); });
    return a;
  }

  function render(i) {
    var s = data.steps[i];
    panel.textContent = '';
    panel.appendChild(el('h2', { id: 'panel-title' }, ['Step ' + s.step + ' · cpu' + s.cpu + ' ' + s.task]));
    panel.appendChild(el('pre', { id: 'panel-op' }, [(s.fn ? s.fn + '  ' : '') + s.what + (s.violation ? '   <-- ' + s.violation : '')]));

    panel.appendChild(el('h3', null, ['Kernel stack']));
    if (s.stack.length) {
      panel.appendChild(el('ol', { id: 'panel-stack' }, s.stack.slice().reverse().map(function (f) { return el('li', null, [f]); })));
    } else panel.appendChild(el('p', { id: 'panel-stack', class: 'none' }, ['outside any kernel function']));

    panel.appendChild(el('h3', null, ['Conflicts']));
    var partners = racesOf(i);
    if (partners.length) {
      panel.appendChild(el('ul', { id: 'panel-races' }, partners.map(function (j) { return el('li', null, [stepLink(j)]); })));
    } else panel.appendChild(el('p', { id: 'panel-races', class: 'none' }, ['no conflicting step of another CPU']));

    panel.appendChild(el('h3', null, ['Page tables']));
    if (data.entries.length) {
      var rows = data.entries.map(function (h) {
        var v = valuesAt(h, i);
        var cls = (v.touched ? 'touched' : '') + (v.before !== v.after ? ' changed' : '');
        return el('tr', { class: cls.trim(), 'data-entry': h.name }, [
          el('td', { class: 'mono' }, [h.name]),
          el('td', { class: 'mono before' }, [v.before]),
          el('td', { class: 'mono after' }, [v.after]),
        ]);
      });
      var head = el('tr', null, [el('th', null, ['entry']), el('th', null, ['before']), el('th', null, ['after'])]);
      panel.appendChild(el('table', { id: 'panel-entries', class: 'entries' }, [el('thead', null, [head]), el('tbody', null, rows)]));
    } else panel.appendChild(el('p', { id: 'panel-entries', class: 'none' }, ['the trace touches no page-table entry']));

    if (s.machine.length) {
      panel.appendChild(el('h3', null, ['Machine']));
      var box = el('div', { id: 'panel-machine' }, []);
      s.machine.forEach(function (m) {
        box.appendChild(el('h4', null, [m.title]));
        box.appendChild(el('pre', null, [m.lines.join('\n')]));
      });
      panel.appendChild(box);
    }
  }

  /** selects step i; \`scroll\` brings it into view and records it in the address (#step-i) */
  function select(i, scroll) {
    if (i < 0 || i >= boxes.length) return;
    current = i;
    var partners = racesOf(i);
    boxes.forEach(function (b, k) {
      b.classList.toggle('selected', k === i);
      b.classList.toggle('racing', partners.indexOf(k) >= 0);
      b.setAttribute('aria-pressed', k === i ? 'true' : 'false');
    });
    paths.forEach(function (p) {
      var a = Number(p.getAttribute('data-first')), b = Number(p.getAttribute('data-second'));
      p.classList.toggle('active', a === i || b === i);
    });
    render(i);
    if (!scroll) return;
    boxes[i].scrollIntoView({ block: 'nearest', inline: 'nearest' });
    try { history.replaceState(null, '', '#step-' + i); } catch (e) { /* a page that cannot keep its address */ }
  }

  boxes.forEach(function (b, i) {
    b.addEventListener('click', function () { select(i, false); });
    b.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(i, false); }
    });
  });
  document.addEventListener('keydown', function (ev) {
    var next = ev.key === 'ArrowDown' || ev.key === 'j' ? current + 1 : ev.key === 'ArrowUp' || ev.key === 'k' ? current - 1 : null;
    if (next === null || next < 0 || next >= boxes.length) return;
    ev.preventDefault();
    select(next, true);
    boxes[next].focus({ preventScroll: true });
  });

  var m = /^#step-(\d+)$/.exec(location.hash);
  var first = m ? Number(m[1]) : data.violating >= 0 ? data.violating : boxes.length - 1;
  select(first, m !== null);
})();
`;
