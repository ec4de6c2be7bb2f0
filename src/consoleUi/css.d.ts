/** esbuild bundles the stylesheet beside the script (dist/console/app.css). */
declare module '*.css';
