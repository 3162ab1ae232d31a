// The project's overrides of the create-plugin webpack config (.config/ stays as scaffolded).
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig from './.config/webpack/webpack.config';

type Env = Parameters<typeof grafanaConfig>[0];

const config = async (env: Env): Promise<Configuration> =>
  merge(await grafanaConfig(env), {
    plugins: [
      // The scaffold copies only the app's own logos: nested plugins' img/ folders too.
      new CopyWebpackPlugin({ patterns: [{ from: '**/img/*', to: '[path][name][ext]' }] }),
    ],
  });

export default config;
