import { DynamicModule, Module } from '@nestjs/common';
import { CallbackSender } from './callback-sender.service';
import { ContactsApiController } from './corp/contacts-api.controller';
import { SimCorpController } from './corp/sim-corp.controller';
import { SimCorpService } from './corp/sim-corp.service';
import { FaultInjector } from './fault-injector.service';
import { RobotInbox, RobotWebhookController } from './robot-webhook.controller';
import { INITIAL_SETTINGS, InitialSettings, SimControlController } from './sim-control.controller';
import { SimulatorState } from './simulator-state.service';
import { WecomApiController } from './wecom-api.controller';
import { WecomApiService } from './wecom-api.service';

@Module({})
export class SimulatorModule {
  static forRoot(initial: InitialSettings): DynamicModule {
    return {
      module: SimulatorModule,
      controllers: [
        WecomApiController,
        ContactsApiController,
        SimControlController,
        SimCorpController,
        RobotWebhookController,
      ],
      providers: [
        { provide: INITIAL_SETTINGS, useValue: initial },
        { provide: SimulatorState, useFactory: () => new SimulatorState(initial.behaviour) },
        { provide: FaultInjector, useFactory: () => new FaultInjector(initial.faults) },
        WecomApiService,
        CallbackSender,
        SimCorpService,
        RobotInbox,
      ],
    };
  }
}
