/** Reports are JSON turned into one self-contained HTML page. */
export { renderHtml, type NamedReport } from './render-html.js';
