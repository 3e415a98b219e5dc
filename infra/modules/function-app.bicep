// The Flex Consumption plan (FC1, Linux) and the Function App on it. Flex takes the runtime, the
// scale limits and the deployment package location from functionAppConfig (FUNCTIONS_WORKER_RUNTIME
// and the other runtime app settings are not used on Flex). The package container is reached with
// the user-assigned identity, as is everything else.

@description('Name of the Function App (also its default host name).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags put on plan and app (the app also gets azd-service-name).')
param tags object

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Blob endpoint of the storage account (https://<account>.blob.<suffix>/).')
param blobEndpoint string

@description('Container in that account that holds the deployment package.')
param deploymentContainerName string

@description('Most instances the app scales out to.')
param maximumInstanceCount int

@description('Memory of each instance in MB.')
param instanceMemoryMB int

@description('Always-ready instances per group or function, e.g. [{name: \'durable\', instanceCount: 1}].')
param alwaysReady array

@description('App settings, complete (main.bicep composes them).')
param appSettings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: an interrupted activity is retried and an orchestration replays from its history, so an instance or zone loss delays builds without losing them; zone redundancy is left to the deployer
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222: build systems and operators reach the queue and the HTTP API over the internet; requests carry function keys, storage access needs Entra ID
  // checkov:skip=CKV_AZURE_17: the HTTP API authenticates callers with function keys; client certificates would lock out the build systems that POST requests
  // checkov:skip=CKV_AZURE_212: scaling to zero is the point of Flex Consumption here (waiting costs nothing); the alwaysReady parameter keeps instances warm when wanted
  // checkov:skip=CKV_AZURE_213: App Service health check replaces unhealthy instances of a fixed pool; Flex manages instances per trigger group itself and the app has no health endpoint
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [for setting in items(appSettings): {
        name: setting.key
        value: setting.value
      }]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'python'
        version: '3.13'
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReady
      }
    }
  }
}

// Deployments go through Entra ID (azd, az functionapp deployment); no basic-auth publishing.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
