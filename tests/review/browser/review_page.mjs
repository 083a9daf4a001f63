// review_page.mjs - clicks through the advisor's review page in headless
// Chromium as a reviewer would, and forges the requests another origin
// could send.  Prints TAP lines without numbers; browser.sh numbers them.
// usage: node review_page.mjs URL TMPDIR NODE_PREFIX
import http from 'node:http';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [pageUrl, tmp, prefix] = process.argv.slice(2);
// playwright-core lives in the build tree's cache, not beside this file.
const { chromium } = createRequire(path.join(prefix, 'package.json'))(
	'playwright-core');

const url = new URL(pageUrl);
const token = url.searchParams.get('t');
const origin = url.origin;
const WIDTH = 1024;
// A passed output: a vote on it is accepted until the overall decision,
// so a forged vote that got through would leave a record.
const FORGED = { output: 'children_by_wijk', vote: 'approve' };

function tap(pass, desc, directive) {
	console.log(`${pass ? 'ok' : 'not ok'} - ${desc}` +
		(directive ? ` # ${directive}` : ''));
	return pass;
}

function note(s) {
	for (const l of String(s).split('\n'))
		console.log(`# ${l}`);
}

// A request with exactly these headers, which no browser would send.
function raw({ method = 'POST', target, host = url.host, headers = {},
	type = 'application/x-www-form-urlencoded', body = '' }) {
	const h = { Host: host, ...headers };
	if (method === 'POST') {
		h['Content-Type'] = type;
		h['Content-Length'] = Buffer.byteLength(body);
	}
	return new Promise((resolve, reject) => {
		const req = http.request({ host: '127.0.0.1', port: url.port,
			method, path: target, headers: h, agent: false },
		(res) => {
			let data = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { data += d; });
			res.on('end', () => resolve({ status: res.statusCode,
				body: data }));
		});
		req.on('error', reject);
		req.setTimeout(10000, () => req.destroy(new Error('timeout')));
		req.end(method === 'POST' ? body : undefined);
	});
}

// The page another site could put in the reviewer's browser.
function evilServer(csrf) {
	const esc = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
	const html = '<!DOCTYPE html><title>evil</title>' +
		`<form method="post" action="${esc(origin)}/vote?t=${token}">` +
		`<input type="hidden" name="csrf" value="${esc(csrf)}">` +
		`<input type="hidden" name="output" value="${FORGED.output}">` +
		`<input type="hidden" name="vote" value="${FORGED.vote}">` +
		'<button id="go">win a prize</button></form>';
	const srv = http.createServer((req, res) => {
		res.writeHead(200, { 'Content-Type': 'text/html' });
		res.end(html);
	});
	return new Promise((resolve) => srv.listen(0, '127.0.0.1',
		() => resolve(srv)));
}

const isPath = (p) => (r) => new URL(r.url()).pathname === p;

async function submit(page, selector, p) {
	const [res] = await Promise.all([
		page.waitForResponse(isPath(p)),
		page.click(selector),
	]);
	await page.waitForLoadState('load');
	return res;
}

async function message(page) {
	const m = page.locator('#message');
	if (await m.count() !== 1)
		return { cls: '', text: '' };
	return { cls: await m.getAttribute('class'), text: await m.innerText() };
}

async function main() {
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
	let evil;
	try {
		const context = await browser.newContext({
			viewport: { width: WIDTH, height: 768 },
			deviceScaleFactor: 1 });
		// A missing element fails its check soon, not after 30 s.
		context.setDefaultTimeout(10000);
		const page = await context.newPage();
		const requests = [], dialogs = [], errors = [];
		page.on('request', (r) => requests.push(r));
		page.on('dialog', (d) => { dialogs.push(d.message());
			d.dismiss().catch(() => {}); });
		page.on('console', (m) => {
			if (m.type() === 'error')
				errors.push(m.text());
		});
		page.on('pageerror', (e) => errors.push(String(e)));

		// 1: the page and what it lets in.
		const res = await page.goto(pageUrl);
		tap(res.status() === 200, 'the page loads (200)');
		const csp = res.headers()['content-security-policy'] || '';
		tap(/(^|;)\s*default-src 'none'\s*(;|$)/.test(csp),
			"the page has a Content-Security-Policy of default-src 'none'") ||
			note(`CSP: ${csp}`);
		const html = await res.text();
		tap(await page.locator('script').count() === 0 &&
			!/<script/i.test(html), 'no script element in the page');
		// The advisor judges what would leave: its text is on the page,
		// as text.
		tap((await page.locator('body').innerText())
			.includes('<script>alert(1)</script>'),
		"the notes output's hostile text shows as text");

		// The report behind the link, and back.
		const rep = await submit(page, `a[href="/report?t=${token}"]`,
			'/report');
		tap(rep.status() === 200 &&
			/default-src 'none'/.test(rep.headers()['content-security-policy'] || '') &&
			await page.locator('script').count() === 0,
		'the report link opens the report, under the same policy, with no script');
		await page.goBack();

		// 2: a vote on notes, found by its heading.
		const notes = page.locator('section').filter({
			has: page.locator('h3', { hasText: /^\s*notes\s/ }) });
		if (!tap(await notes.count() === 1,
			'one section has the heading notes'))
			throw new Error('no section for notes');
		const n = (await notes.getAttribute('id')).replace(/^output-/, '');
		const comment = 'Rounded counts; fine. <script>alert(2)</script> & <b>bold</b>';
		await page.check(`#vote-${n}-approve`);
		await page.fill(`#vote-${n}-comment`, comment);
		const vote = await submit(page, `#vote-${n}-submit`, '/vote');
		let m = await message(page);
		tap(vote.status() === 200 && m.cls.split(' ').includes('ok') &&
			m.text.includes('recorded'),
		'approve on notes with a comment is recorded') ||
			note(`status ${vote.status()}, message ${m.cls}: ${m.text}`);
		const mine = await notes.locator('ul.mine li').innerText()
			.catch(() => '');
		tap(mine.includes('your vote: approve') && mine.includes(comment) &&
			await page.locator('script, b:text-is("bold")').count() === 0,
		'the page shows the vote, its comment as text') ||
			note(`mine: ${mine}`);

		// 4: what another origin could send, before the decision so a
		// forged vote would still be accepted if let through.
		await page.goto(pageUrl);
		const csrf = await page.locator('input[name="csrf"]').first()
			.inputValue();
		const form = (extra = {}) =>
			new URLSearchParams({ csrf, ...FORGED, ...extra }).toString();
		const same = { Origin: origin, 'Sec-Fetch-Site': 'same-origin' };
		const target = `/vote?t=${token}`;

		evil = await evilServer(csrf);
		const evilPage = await context.newPage();
		await evilPage.goto(`http://127.0.0.1:${evil.address().port}/`);
		const forged = await submit(evilPage, '#go', '/vote');
		tap(forged.status() === 403 &&
			(await forged.text()).includes('another origin'),
			"another origin's form posting to /vote is refused (403)") ||
			note(`status ${forged.status()}`);
		await evilPage.close();

		const api = await page.request.post(`${origin}${target}`, {
			form: { csrf, ...FORGED },
			headers: { Origin: 'http://evil.example',
				'Sec-Fetch-Site': 'cross-site' },
			maxRedirects: 0 });
		tap(api.status() === 403 &&
			(await api.text()).includes('another origin'),
			'a cross-site POST with the right form and token is refused (403)') ||
			note(`status ${api.status()}`);

		const checks = [
			['a GET with the page\'s own Host and token is served (200)',
				{ method: 'GET', target: `/?t=${token}` }, 200,
				'id="finish"'],
			['a POST with a wrong token is refused (403)',
				{ target: `/vote?t=${'0'.repeat(64)}`, headers: same,
					body: form() }, 403, 'carries its token'],
			['a POST without a token is refused (403)',
				{ target: '/vote', headers: same, body: form() }, 403,
				'carries its token'],
			['a POST with another Host (DNS rebinding) is refused (421)',
				{ target, host: `evil.example:${url.port}`,
					headers: { Origin: `http://evil.example:${url.port}` },
					body: form() }, 421, 'wrong host'],
			['a POST without the form\'s csrf is refused (403)',
				{ target, headers: same,
					body: new URLSearchParams(FORGED).toString() }, 403,
				"form's token"],
			['a POST with a wrong csrf is refused (403)',
				{ target, headers: same,
					body: form({ csrf: 'f'.repeat(64) }) }, 403,
				"form's token"],
			['a POST that is not a form is refused (415)',
				{ target, headers: same, type: 'application/json',
					body: JSON.stringify({ csrf, ...FORGED }) }, 415,
				'a form is needed'],
		];
		for (const [desc, req, want, says] of checks) {
			const r = await raw(req).catch((e) => ({ status: String(e),
				body: '' }));
			tap(r.status === want && r.body.includes(says), desc) ||
				note(`status ${r.status}: ${r.body.slice(0, 200)}`);
		}

		// 3: the overall decision; the comment is required.
		const before = requests.filter(isPath('/decide')).length;
		await page.check('#decide-0-approve');
		await page.click('#decide-0-submit');
		await page.waitForTimeout(500);
		tap(requests.filter(isPath('/decide')).length === before &&
			await page.$eval('#decide-0-comment',
				(e) => e.validity.valueMissing),
		'the overall decision without a comment is not sent');
		await page.fill('#decide-0-comment', 'Fine to publish.\nThe notes too.');
		await page.fill('#decide-0-conditions', 'Cite the rounding to 5.');
		const dec = await submit(page, '#decide-0-submit', '/decide');
		m = await message(page);
		tap(dec.status() === 200 && m.cls.split(' ').includes('ok') &&
			m.text.includes('recorded: overall decision approve'),
		'the overall decision with comment and conditions is recorded') ||
			note(`status ${dec.status()}, message ${m.cls}: ${m.text}`);
		const overall = await page.locator('#overall li').allInnerTexts()
			.catch(() => []);
		tap(overall.length === 1 && overall[0].includes('The notes too.') &&
			!overall[0].includes('\uFFFD'),
		'a line break in the comment does not show as U+FFFD') ||
			note(`overall: ${JSON.stringify(overall)}`);
		const audit = page.locator('#audit');
		const events = await audit.locator('li').allInnerTexts()
			.catch(() => []);
		tap(await audit.isVisible() && events.length === 2,
			'the audit log shows, with 2 events') ||
			note(events.join('\n'));
		const forgedOn = page.locator('section').filter({
			has: page.locator('h3', { hasText: new RegExp(`^\\s*${FORGED.output}\\s`) }) });
		tap(await forgedOn.count() === 1 &&
			await forgedOn.locator('ul.mine').count() === 0,
		`no forged vote shows on ${FORGED.output}`);

		// 5: how it looks; nothing wider than the window.
		const shot = path.join(tmp, 'review-page.png');
		await page.screenshot({ path: shot, fullPage: true });
		const png = readFileSync(shot);
		const sw = await page.evaluate(() => [
			document.documentElement.scrollWidth,
			document.documentElement.clientWidth]);
		tap(png.readUInt32BE(16) === WIDTH && sw[0] <= sw[1],
			`the screenshot (${shot}) is as wide as the window`) ||
			note(`png ${png.readUInt32BE(16)}, scroll ${sw}`);
		await page.setViewportSize({ width: 360, height: 740 });
		const narrow = await page.evaluate(() => [
			document.documentElement.scrollWidth,
			document.documentElement.clientWidth]);
		await page.screenshot({ path: path.join(tmp, 'review-page-360.png'),
			fullPage: true });
		tap(narrow[0] <= narrow[1], 'the page fits a 360 px window') ||
			note(`scroll ${narrow}`);
		const spill = await page.$$eval('section', (ss) => ss.length === 0
			? ['no section at all'] : ss
				.filter((e) => e.scrollWidth > e.clientWidth)
				.map((e) => e.id));
		tap(spill.length === 0, 'no section spills over its border at 360 px') ||
			note(`spilling: ${spill.join(' ')}`);

		// 1, the rest: only the page's own origin, and no script ran.
		const others = requests.map((r) => r.url())
			.filter((u) => !u.startsWith(`${origin}/`));
		tap(others.length === 0,
			`the page asked nothing but ${origin} (${requests.length} requests)`) ||
			note(others.join('\n'));
		tap(dialogs.length === 0 && errors.length === 0,
			'no script ran and the console shows no error') ||
			note([...dialogs, ...errors].join('\n'));

		// 6: Finish; browser.sh sees the server stop.  From the page
		// itself, whatever the checks before left on the screen.
		if (new URL(page.url()).pathname !== '/')
			await page.goto(pageUrl);
		const fin = await submit(page, '#finish', '/finish');
		tap(fin.status() === 200 &&
			(await page.locator('body').innerText()).includes('closed'),
		'Finish answers that the page is closed');
	} finally {
		if (evil)
			evil.close();
		await browser.close();
	}
}

main().catch((e) => {
	console.log('not ok - the browser script ran to its end');
	note(e.stack || e);
	process.exitCode = 1;
});
