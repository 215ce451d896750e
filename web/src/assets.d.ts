/** esbuild's file loader turns an imported image into its hashed URL under /assets/. */
declare module '*.png' {
  const url: string;
  export default url;
}

/** esbuild collects imported CSS into the bundle's stylesheet. */
declare module '*.css';
