// Bundles the browser-test harness (harness.tsx) with React and Grafana's packages, which Grafana
// itself provides to plugins (there they are externals). Output: harness/dist/.
import path from 'node:path';
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';

const config: Configuration = {
  mode: 'development',
  devtool: false,
  context: __dirname,
  entry: { harness: './harness.tsx' },
  output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', clean: true },
  resolve: { extensions: ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.json'] },
  performance: { hints: false },
  module: {
    rules: [
      {
        test: /\.[tj]sx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              parser: { syntax: 'typescript', tsx: true },
              transform: { react: { runtime: 'classic' } },
              target: 'es2020',
            },
          },
        },
      },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(svg|png|woff2?|ttf)$/, type: 'asset/resource' },
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
    ],
  },
  plugins: [new CopyWebpackPlugin({ patterns: [{ from: 'index.html', to: '.' }] })],
};

export default config;
