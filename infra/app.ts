/**
 * CDK entry point (cdk.json `app`). Settings: `-c stage=dev|prod`, `-c leadpilot:athenaEngine=v3|duckdb`,
 * `-c leadpilot:tenants=demo,other`. See infra/stack.ts.
 */
import { createLeadPilotApp } from './stack';

createLeadPilotApp().app.synth();
