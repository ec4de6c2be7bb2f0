// `npm start`: build if needed, then run the app (the sandbox when no WeCom credentials are set).
'use strict';
// restify 11 reaches for process.binding('http_parser') through spdy: a warning about a
// dependency's internals that a person running the app can do nothing about.
process.noDeprecation = true;
require('./ensureBuilt.js');
require('../dist/bot/main.js');
