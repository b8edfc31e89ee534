import { DynamicModule, Module } from '@nestjs/common';
import { YouzanApiController } from './youzan-api.controller';
import {
  INITIAL_YOUZAN_SETTINGS,
  YouzanSimControlController,
} from './youzan-sim-control.controller';
import { YouzanSimSettings } from './youzan-sim-settings';
import { YouzanSimState } from './youzan-sim-state';

@Module({})
export class YouzanSimulatorModule {
  static forRoot(settings: YouzanSimSettings): DynamicModule {
    return {
      module: YouzanSimulatorModule,
      controllers: [YouzanApiController, YouzanSimControlController],
      providers: [
        { provide: INITIAL_YOUZAN_SETTINGS, useValue: settings },
        { provide: YouzanSimState, useFactory: () => new YouzanSimState(settings) },
      ],
    };
  }
}
