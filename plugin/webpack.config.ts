// The project's overrides of the create-plugin webpack config (.config/ stays as scaffolded).
import path from 'node:path';
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig from './.config/webpack/webpack.config';

type Env = Parameters<typeof grafanaConfig>[0];

const config = async (env: Env): Promise<Configuration> =>
  merge(await grafanaConfig(env), {
    plugins: [
      // The scaffold copies only the app's own logos: nested plugins' img/ folders too.
      // and the repository's dashboards, which the app's plugin.json includes.
      new CopyWebpackPlugin({
        patterns: [
          { from: '**/img/*', to: '[path][name][ext]' },
          { from: path.resolve(process.cwd(), '../dashboards'), to: 'dashboards' },
        ],
      }),
    ],
  });

export default config;
