// SPDX-License-Identifier: BSD-3-Clause
//
// vendor.js - what an Agentic Trust backend runs, for tests/interop/interop.sh.
//
// Every credential is made exactly as the vendor's documentation shows:
//   crypto.createHmac("sha256", secret).update(userId).digest("hex")
//   jwt.sign(payload, secret, options)          (jsonwebtoken)
// with `secret` the JavaScript string read from line SECRET_LINE (default 1)
// of the secret file, so its UTF-8 bytes are the key, as for the module.
//
//   node vendor.js version
//   node vendor.js hmac   SECRET_FILE USER_ID
//   node vendor.js sign   SECRET_FILE PAYLOAD_JSON OPTIONS_JSON
//   node vendor.js verify SECRET_FILE TOKEN OPTIONS_JSON [EXPECT_JSON]
//   node vendor.js forge  SECRET_FILE HEADER_TEXT PAYLOAD_TEXT MAC
//   node vendor.js parts  TOKEN
//
// sign: OPTIONS_JSON is passed to jwt.sign as is.  verify: prints
// "valid: PAYLOAD" and exits 0, or "invalid: ErrorName: message" and exits
// 1; with EXPECT_JSON every listed claim must be present and equal (exit 2
// otherwise).  forge: a compact JWS built by hand from the exact header and
// payload texts given, MAC'd with HMAC-<MAC> (sha256, sha384, sha512) or,
// for MAC "none", with an empty signature.  parts: the decoded header and
// payload, one per line.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const jwt = require('jsonwebtoken');

function secretOf(file) {
	const n = parseInt(process.env.SECRET_LINE || '1', 10);
	const lines = fs.readFileSync(file, 'utf8').split('\n')
		.map((l) => l.replace(/\r$/, ''))
		.filter((l) => l !== '' && !l.startsWith('#'));
	if (lines.length < n)
		throw new Error(`${file}: no secret line ${n}`);
	return lines[n - 1];
}

function b64url(s) {
	return Buffer.from(s, 'utf8').toString('base64url');
}

function main(argv) {
	const cmd = argv[0];

	switch (cmd) {
	case 'version':
		console.log(require('jsonwebtoken/package.json').version);
		return 0;
	case 'hmac':
		console.log(crypto
			.createHmac('sha256', secretOf(argv[1]))
			.update(argv[2])
			.digest('hex'));
		return 0;
	case 'sign':
		console.log(jwt.sign(JSON.parse(argv[2]), secretOf(argv[1]),
			JSON.parse(argv[3])));
		return 0;
	case 'verify': {
		let payload;
		try {
			payload = jwt.verify(argv[2], secretOf(argv[1]),
				JSON.parse(argv[3]));
		} catch (e) {
			console.log(`invalid: ${e.name}: ${e.message}`);
			return 1;
		}
		console.log(`valid: ${JSON.stringify(payload)}`);
		if (argv[4] !== undefined) {
			const want = JSON.parse(argv[4]);
			for (const k of Object.keys(want)) {
				if (JSON.stringify(payload[k]) !==
				    JSON.stringify(want[k])) {
					console.log(`mismatch: ${k}: got ` +
						`${JSON.stringify(payload[k])}, want ` +
						`${JSON.stringify(want[k])}`);
					return 2;
				}
			}
		}
		return 0;
	}
	case 'forge': {
		const input = `${b64url(argv[2])}.${b64url(argv[3])}`;
		const mac = argv[4] === 'none' ? '' :
			crypto.createHmac(argv[4], secretOf(argv[1]))
				.update(input).digest('base64url');
		console.log(`${input}.${mac}`);
		return 0;
	}
	case 'parts':
		for (const p of argv[1].split('.').slice(0, 2))
			console.log(Buffer.from(p, 'base64url').toString('utf8'));
		return 0;
	default:
		console.error('usage: see the head of vendor.js');
		return 64;
	}
}

process.exitCode = main(process.argv.slice(2));
