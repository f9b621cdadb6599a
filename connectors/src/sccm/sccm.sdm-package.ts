import { randomUUID } from 'node:crypto';
import type { DeployArtifact, DetectionRule } from '../connector';

const x = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Inputs of a minimal SDMPackageXML (contracts A3: Application + one Script DeploymentType + Content). */
export interface SdmPackageInput {
  /** `ScopeId_<SiteID>`, braces stripped. */
  authoringScopeId: string;
  title: string;
  artifact: DeployArtifact;
  /** Content source folder (UNC) that holds `fileName`; the site server copies it to the distribution points. */
  contentLocation: string;
  fileName: string;
  sizeBytes: number;
}

/** The detection part of the deployment type, from the intent's detection rule (never a derived stand-in). */
function detection(rule: DetectionRule, scope: string): string {
  if (rule.type === 'product_code') return `<DetectionMethod>ProductCode</DetectionMethod><ProductCode>${x(rule.value)}</ProductCode>`;
  if (rule.type === 'script') {
    return (
      '<DetectionMethod>Script</DetectionMethod>' +
      `<DetectionScript Language="PowerShell" Signed="false">${x(rule.value)}</DetectionScript>`
    );
  }
  const id = `${rule.type === 'file' ? 'File' : 'RegSetting'}_${randomUUID()}`;
  let setting: string;
  if (rule.type === 'file') {
    const cut = Math.max(rule.value.lastIndexOf('\\'), rule.value.lastIndexOf('/'));
    setting =
      `<File Is64Bit="true" LogicalName="${id}"><Annotation/>` +
      `<Path>${x(rule.value.slice(0, cut))}</Path><Filter>${x(rule.value.slice(cut + 1))}</Filter></File>`;
  } else {
    // "HKLM\Software\Vendor\App" or "...\App!ValueName"
    const [key, value = ''] = rule.value.split('!');
    const path = key!.replace(/^(HKLM|HKEY_LOCAL_MACHINE)\\/i, '');
    setting =
      `<SimpleSetting LogicalName="${id}" DataType="String">` +
      '<RegistryDiscoverySource Hive="HKEY_LOCAL_MACHINE" Depth="Base" Is64Bit="true" CreateMissingPath="true">' +
      `<Key>${x(path)}</Key><ValueName>${x(value)}</ValueName></RegistryDiscoverySource></SimpleSetting>`;
  }
  const sourceType = rule.type === 'file' ? 'File' : 'Registry';
  const enhanced =
    '<EnhancedDetectionMethod xmlns="http://schemas.microsoft.com/SystemCenterConfigurationManager/2009/AppMgmtDigest">' +
    `<Settings>${setting}</Settings>` +
    `<Rule id="${scope}/Rule_${randomUUID()}" Severity="Informational" NonCompliantWhenSettingIsNotFound="false">` +
    '<Annotation/><Expression><Operator>NotEquals</Operator><Operands>' +
    `<SettingReference AuthoringScopeId="${scope}" LogicalName="${id}" DataType="Int64" SettingSourceType="${sourceType}"` +
    ' Method="Count" Changeable="false"/>' +
    '<ConstantValue Value="0" DataType="Int64"/></Operands></Expression></Rule></EnhancedDetectionMethod>';
  return `<DetectionMethod>Enhanced</DetectionMethod><EnhancedDetectionMethod>${x(enhanced)}</EnhancedDetectionMethod>`;
}

/**
 * A minimal AppMgmtDigest for `POST wmi/SMS_Application` (contracts A3): Application (`Application_<guid>`), one Script
 * deployment type (`DeploymentType_<guid>`) with the intent's install/uninstall commands and detection rule, and one
 * Content (`Content_<guid>`) whose `<Location>` is the UNC content source folder — a reference, the bytes are not sent.
 */
export function buildSdmPackageXml(i: SdmPackageInput): string {
  const scope = i.authoringScopeId;
  const app = `Application_${randomUUID()}`;
  const dt = `DeploymentType_${randomUUID()}`;
  const content = `Content_${randomUUID()}`;
  const a = i.artifact;
  const location = i.contentLocation.endsWith('\\') ? i.contentLocation : `${i.contentLocation}\\`;
  return (
    '<?xml version="1.0" encoding="utf-16"?>' +
    '<AppMgmtDigest xmlns="http://schemas.microsoft.com/SystemCenterConfigurationManager/2009/AppMgmtDigest"' +
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<Application AuthoringScopeId="${scope}" LogicalName="${app}" Version="1">` +
    '<DisplayInfo DefaultLanguage="en-US"><Info Language="en-US">' +
    `<Title>${x(i.title)}</Title><Publisher>${x(a.publisher)}</Publisher><Version>${x(a.version)}</Version>` +
    '</Info></DisplayInfo>' +
    `<DeploymentTypes><DeploymentType AuthoringScopeId="${scope}" LogicalName="${dt}" Version="1"/></DeploymentTypes>` +
    `<Title ResourceId="Res_${randomUUID()}">${x(i.title)}</Title>` +
    `<Publisher ResourceId="Res_${randomUUID()}">${x(a.publisher)}</Publisher>` +
    `<SoftwareVersion ResourceId="Res_${randomUUID()}">${x(a.version)}</SoftwareVersion><AutoInstall>true</AutoInstall>` +
    '</Application>' +
    `<DeploymentType AuthoringScopeId="${scope}" LogicalName="${dt}" Version="1">` +
    `<Title ResourceId="Res_${randomUUID()}">${x(i.title)} (script)</Title>` +
    '<DeploymentTechnology>GLOBAL/ScriptDeploymentTechnology</DeploymentTechnology>' +
    '<Technology>Script</Technology><Hosting>Native</Hosting><Installer Technology="Script">' +
    `<Contents><Content ContentId="${content}" Version="1">` +
    `<File Name="${x(i.fileName)}" Size="${i.sizeBytes}"/><Location>${x(location)}</Location>` +
    '<PeerCache>true</PeerCache><OnFastNetwork>Download</OnFastNetwork><OnSlowNetwork>DoNothing</OnSlowNetwork></Content></Contents>' +
    '<CustomData>' +
    detection(a.detectionRule, scope) +
    `<InstallCommandLine>${x(a.installCommand)}</InstallCommandLine><UninstallCommandLine>${x(a.uninstallCommand)}</UninstallCommandLine>` +
    '<UninstallSetting>SameAsInstall</UninstallSetting><InstallFolder/><UninstallFolder/><ExecutionContext>System</ExecutionContext>' +
    '<ExitCodes><ExitCode Code="0" Class="Success"/><ExitCode Code="3010" Class="SoftReboot"/>' +
    '<ExitCode Code="1641" Class="HardReboot"/></ExitCodes>' +
    '<UserInteractionMode>Hidden</UserInteractionMode><RequiresLogOn/>' +
    '<RebootBehavior>BasedOnExitCode</RebootBehavior><MaxExecuteTime>120</MaxExecuteTime>' +
    `<InstallContent ContentId="${content}" Version="1"/>` +
    '</CustomData></Installer></DeploymentType></AppMgmtDigest>'
  );
}
