// Progressive enhancement only: every page works without this. What the NHS.UK page template
// does in an inline script (which our Content-Security-Policy forbids), then its components.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
