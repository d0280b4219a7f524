// iCalendar (RFC 5545) through ical.js, the parser and writer Mozilla's calendar projects maintain: the export feed
// is written with it and imported feeds are read with it (never by hand). The same version as package.json.
// deno-lint-ignore no-import-prefix
import ICAL from 'npm:ical.js@2.2.1';

// ical.js folds a line when it passes foldLength octets and starts the continuation with a space, so a
// continuation line is foldLength + 1 octets: 74 keeps every line within RFC 5545's 75.
ICAL.foldLength = 74;
// RFC 5545 lines end with CRLF (ical.js's default, pinned here because the export depends on it).
ICAL.newLineChar = '\r\n';

export { ICAL };
