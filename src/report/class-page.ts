import { createHash } from 'node:crypto';
import { CLASS_PAGE_SCRIPT, CLASS_PAGE_STYLE } from './class-page-assets.js';
import type { ClassPage, PageCheck, PageLearner } from './class-page-model.js';
import { escapeHtml as h } from './html-escape.js';

const percent = (share: number) => `${Math.round(share * 100)}%`;

/**
 * The class as one self-contained HTML page: learners down, checks across,
 * a bar per check with the share of the class that failed it. Every value
 * that came from a learner (names, found values, hints) goes through
 * escapeHtml; the policy in the page forbids loading anything and running
 * any script but its own.
 */
export function renderClassPage(page: ClassPage): string {
  const scriptHash = createHash('sha256').update(CLASS_PAGE_SCRIPT).digest('base64');
  const policy = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'`;
  const title = `Lab ${page.lab.number}: ${page.lab.title}`;
  const total = page.learners.length;
  const counts = [`${page.passedLearners} of ${total} learners passed`, page.notGraded ? `${page.notGraded} not graded` : ''].filter(Boolean).join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)} · class report</title>
<style>${CLASS_PAGE_STYLE}</style>
</head>
<body>
<h1>${h(title)}</h1>
<p class="meta"><span id="counts">${h(counts)}</span> · lab ${h(page.lab.slug)} · made ${h(page.generatedAt)}</p>
<h2>Where the class struggles</h2>
<ol class="checks" id="check-bars">
${[...page.checks]
  .sort((a, b) => b.failShare - a.failShare || 0)
  .map(checkBar)
  .join('\n')}
</ol>
<h2>Learners</h2>
<div class="controls">
<label>Learner <input id="learner-filter" type="search" placeholder="name contains…" autocomplete="off"></label>
<label>Check <select id="check-filter"><option value="">every check</option>${page.checks.map((c) => `<option value="${h(c.id)}">${h(c.id)}</option>`).join('')}</select></label>
<label>Status <select id="status-filter"><option value="">any</option><option value="fail">failed</option><option value="skipped">skipped</option><option value="pass">passed</option><option value="not-graded">not graded</option></select></label>
<span id="shown">${total} of ${total} learners shown</span>
</div>
<table id="class-table">
<thead><tr><th scope="col" data-sort="learner" aria-sort="ascending"><button type="button">Learner</button></th>${page.checks.map(checkHeader).join('')}<th scope="col" data-sort="result"><button type="button">Result</button></th></tr></thead>
<tbody>
${page.learners.map(learnerRow).join('\n')}
</tbody>
</table>
<p class="legend">✓ passed · ✗ failed · – skipped (a check it depends on did not pass) · ! not graded · · not in the learner's results. Hover or focus a cell for what was expected, what was found and the hint; click a column to sort.</p>
<script>${CLASS_PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function checkBar(c: PageCheck): string {
  const share = c.graded ? `${c.failed} of ${c.graded} failed (${percent(c.failShare)})` : 'nobody graded';
  const skipped = c.skipped ? `, ${c.skipped} skipped` : '';
  return `<li class="check-bar" data-bar="${h(c.id)}" data-failed="${c.failed}" data-graded="${c.graded}"><button type="button" data-show-check="${h(c.id)}" title="${h(`${c.title}: show who failed`)}">${h(c.title)}</button><span class="bar" role="img" aria-label="${h(`${percent(c.failShare)} failed`)}"><span class="failed" style="width:${percent(c.failShare)}"></span><span class="skipped" style="width:${percent(c.skipShare)}"></span></span><span class="share">${h(share + skipped)}</span></li>`;
}

function checkHeader(c: PageCheck): string {
  return `<th scope="col" data-sort="check" data-check="${h(c.id)}" data-tip="${h(`${c.title}\n${c.failed} of ${c.graded} failed`)}"><button type="button">${h(c.id)}</button></th>`;
}

function learnerRow(l: PageLearner): string {
  const cells = l.cells
    .map(
      (c) =>
        `<td class="cell ${c.status}" data-check="${h(c.checkId)}" data-status="${c.status}" data-tip="${h(c.tip)}" aria-label="${h(c.tip)}" tabindex="0">${h(c.text)}</td>`,
    )
    .join('');
  const result =
    l.status === 'not-graded' ? `not graded: ${l.error ?? 'no results'}` : `${l.status === 'pass' ? 'PASS' : 'FAIL'} ${l.passed} of ${l.cells.length} passed`;
  return `<tr class="${l.status}" data-learner="${h(l.name)}" data-status="${l.status}" data-passed="${l.passed}" data-failed="${l.failed}"><th scope="row" class="learner">${h(l.name)}</th>${cells}<td class="result">${h(result)}</td></tr>`;
}
