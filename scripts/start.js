// `npm start`: build if needed, then run the app (the sandbox when no WeCom credentials are set).
'use strict';
require('./ensureBuilt.js');
require('../dist/bot/main.js');
