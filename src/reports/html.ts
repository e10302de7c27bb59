/**
 * HTML renderer: one self-contained file (inline CSS and script, no external URL of any kind)
 * from handlebars templates in the top-level `templates/` folder. Every value goes through
 * handlebars' escaping (`{{ }}`; triple-stash is never used), and a Content-Security-Policy
 * pinning the inline style and script by hash stops anything injected from running anyway.
 * The one value not HTML-escaped is the data island (every identity and finding, for the script's
 * paging, filtering and sorting): gzip-compressed JSON in base64 (encodeIsland), whose alphabet
 * cannot break out of the non-executed `<script type="application/gzip">` that holds it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import Handlebars from 'handlebars';
import type { ReportModel } from './model.ts';
import { clientData, encodeIsland, htmlView, type HtmlView } from './html-view.ts';

/** Resolves from src/reports/ (tests, tsx) and from dist/reports/ (the published package) alike. */
export const TEMPLATES_DIR = new URL('../../templates/', import.meta.url);

/** Partials inlined verbatim inside <style> and <script>; their text is hashed into the CSP. */
const STYLE_PARTIAL = 'styles';
const SCRIPT_PARTIAL = 'script';

const COMPILE_OPTIONS = { strict: true, preventIndent: true } as const;

interface Compiled {
  render: Handlebars.TemplateDelegate<RenderContext>;
  csp: string;
}

interface RenderContext extends ReportModel {
  page: { csp: string; data: Handlebars.SafeString };
  view: HtmlView;
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function readTemplate(relative: string, dir: URL): string {
  return readFileSync(new URL(relative, dir), 'utf8');
}

/** Compiles the report template and its partials into a private handlebars instance. */
export function compileTemplates(dir: URL = TEMPLATES_DIR): Compiled {
  const hbs = Handlebars.create();
  const partials = new Map<string, string>();
  for (const file of readdirSync(new URL('partials/', dir)).sort()) {
    if (!file.endsWith('.hbs')) continue;
    const name = file.slice(0, -'.hbs'.length);
    const source = readTemplate(`partials/${file}`, dir);
    partials.set(name, source);
    hbs.registerPartial(name, hbs.compile(source, COMPILE_OPTIONS));
  }
  const style = partials.get(STYLE_PARTIAL);
  const script = partials.get(SCRIPT_PARTIAL);
  if (style === undefined || script === undefined) throw new Error(`report templates in ${dir.href} lack the ${STYLE_PARTIAL} or ${SCRIPT_PARTIAL} partial`);
  const csp = [
    "default-src 'none'",
    `style-src ${sha256(style)}`,
    `script-src ${sha256(script)}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return { render: hbs.compile<RenderContext>(readTemplate('report.hbs', dir), COMPILE_OPTIONS), csp };
}

let compiled: Compiled | undefined;

/** The report as one HTML document. Templates are compiled on first use, once per process. */
export async function renderHtml(model: ReportModel): Promise<string> {
  compiled ??= compileTemplates();
  const data = new Handlebars.SafeString(await encodeIsland(clientData(model)));
  return compiled.render({ ...model, page: { csp: compiled.csp, data }, view: htmlView(model) });
}
