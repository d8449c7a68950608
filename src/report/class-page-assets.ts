/**
 * The class page's own style and script, inlined into the page: it opens from
 * a file, on a machine with no network, and its Content-Security-Policy lets
 * it load nothing else. The script only hides, shows and reorders rows and
 * columns that the page already holds; it reads every value from the DOM and
 * never writes HTML.
 */
export const CLASS_PAGE_STYLE = `
:root { --pass: #1a7f37; --fail: #cf222e; --skip: #9a6700; --none: #6e7781; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { color: var(--none); margin: 0 0 16px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
.checks { list-style: none; padding: 0; margin: 0; max-width: 900px; }
.check-bar { display: grid; grid-template-columns: minmax(180px, 2fr) 3fr minmax(150px, 1fr); gap: 12px; align-items: center; padding: 3px 0; }
.check-bar button { all: unset; cursor: pointer; overflow-wrap: anywhere; }
.check-bar button:hover, .check-bar button:focus { text-decoration: underline; }
.bar { display: flex; height: 14px; background: #e6f4ea; border-radius: 3px; overflow: hidden; border: 1px solid var(--line); }
.bar .failed { background: var(--fail); }
.bar .skipped { background: #d4a72c; }
.share { color: #424a53; font-variant-numeric: tabular-nums; }
.controls { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin: 8px 0 12px; }
.controls label { display: flex; gap: 6px; align-items: center; }
input, select { font: inherit; padding: 3px 6px; }
#shown { color: var(--none); }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: center; }
thead th { background: var(--bg); position: sticky; top: 0; z-index: 1; }
thead th button { all: unset; cursor: pointer; font-weight: 600; white-space: nowrap; }
thead th[aria-sort="ascending"] button::after { content: " ▲"; }
thead th[aria-sort="descending"] button::after { content: " ▼"; }
th.learner { text-align: left; font-weight: 500; max-width: 280px; overflow-wrap: anywhere; }
td.result { text-align: left; color: #424a53; max-width: 520px; overflow-wrap: anywhere; }
tr.not-graded th.learner { color: var(--fail); }
.cell { position: relative; font-weight: 700; min-width: 44px; cursor: default; }
.cell.pass { color: var(--pass); background: #dafbe1; }
.cell.fail { color: #fff; background: var(--fail); }
.cell.skipped { color: var(--skip); background: #fff8c5; }
.cell.not-graded, .cell.not-run { color: var(--none); background: var(--bg); }
[data-tip]:hover::after, [data-tip]:focus::after {
  content: attr(data-tip); position: absolute; left: 50%; top: 100%; z-index: 2; transform: translateX(-50%);
  width: max-content; max-width: 420px; white-space: pre-line; text-align: left; font-weight: 400;
  background: #1f2328; color: #fff; padding: 6px 8px; border-radius: 4px; box-shadow: 0 2px 8px rgb(0 0 0 / 25%);
}
.legend { color: var(--none); margin-top: 8px; }
`;

export const CLASS_PAGE_SCRIPT = `
(function () {
  'use strict';
  var table = document.getElementById('class-table');
  var body = table.tBodies[0];
  var learnerInput = document.getElementById('learner-filter');
  var checkSelect = document.getElementById('check-filter');
  var statusSelect = document.getElementById('status-filter');
  var shown = document.getElementById('shown');
  var ORDER = { fail: 0, 'not-graded': 1, skipped: 2, 'not-run': 3, pass: 4 };
  var sort = { key: 'learner', check: '', dir: 1 };
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  function statusOf(row, id) {
    var found = '';
    each(row.cells, function (cell) { if (cell.getAttribute('data-check') === id) found = cell.getAttribute('data-status'); });
    return found;
  }
  function compare(a, b) {
    var byName = a.getAttribute('data-learner').localeCompare(b.getAttribute('data-learner'));
    var diff = 0;
    if (sort.key === 'result') diff = Number(b.getAttribute('data-passed')) - Number(a.getAttribute('data-passed')) || Number(a.getAttribute('data-failed')) - Number(b.getAttribute('data-failed'));
    if (sort.key === 'check') diff = ORDER[statusOf(a, sort.check)] - ORDER[statusOf(b, sort.check)];
    return (diff || byName) * sort.dir;
  }
  function apply() {
    var text = learnerInput.value.trim().toLowerCase();
    var check = checkSelect.value;
    var status = statusSelect.value;
    each(table.querySelectorAll('th[data-check], td[data-check]'), function (el) { el.hidden = check !== '' && el.getAttribute('data-check') !== check; });
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(compare).forEach(function (row) { body.appendChild(row); });
    var count = 0;
    rows.forEach(function (row) {
      var ok = row.getAttribute('data-learner').toLowerCase().indexOf(text) !== -1;
      if (ok && status !== '') {
        ok = Array.prototype.some.call(row.cells, function (cell) { return cell.hasAttribute('data-check') && !cell.hidden && cell.getAttribute('data-status') === status; });
      }
      row.hidden = !ok;
      if (ok) count += 1;
    });
    shown.textContent = count + ' of ' + rows.length + ' learners shown';
    each(table.tHead.rows[0].cells, function (th) {
      var key = th.getAttribute('data-sort');
      var active = key === sort.key && (key !== 'check' || th.getAttribute('data-check') === sort.check);
      if (active) th.setAttribute('aria-sort', sort.dir === 1 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    });
  }
  each(table.tHead.rows[0].cells, function (th) {
    var button = th.querySelector('button');
    if (!button) return;
    button.addEventListener('click', function () {
      var key = th.getAttribute('data-sort');
      var check = th.getAttribute('data-check') || '';
      if (sort.key === key && sort.check === check) sort.dir = -sort.dir;
      else { sort.key = key; sort.check = check; sort.dir = 1; }
      apply();
    });
  });
  each(document.querySelectorAll('button[data-show-check]'), function (button) {
    button.addEventListener('click', function () {
      checkSelect.value = button.getAttribute('data-show-check');
      statusSelect.value = 'fail';
      apply();
      table.scrollIntoView();
    });
  });
  learnerInput.addEventListener('input', apply);
  checkSelect.addEventListener('change', apply);
  statusSelect.addEventListener('change', apply);
  apply();
})();
`;
