import { DynamicModule, Module } from '@nestjs/common';
import { FaultInjector } from './fault-injector.service';
import { INITIAL_SETTINGS, InitialSettings, SimControlController } from './sim-control.controller';
import { SimulatorState } from './simulator-state.service';
import { WecomApiController } from './wecom-api.controller';
import { WecomApiService } from './wecom-api.service';

@Module({})
export class SimulatorModule {
  static forRoot(initial: InitialSettings): DynamicModule {
    return {
      module: SimulatorModule,
      controllers: [WecomApiController, SimControlController],
      providers: [
        { provide: INITIAL_SETTINGS, useValue: initial },
        { provide: SimulatorState, useFactory: () => new SimulatorState(initial.behaviour) },
        { provide: FaultInjector, useFactory: () => new FaultInjector(initial.faults) },
        WecomApiService,
      ],
    };
  }
}
