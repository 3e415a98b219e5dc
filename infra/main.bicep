// Image Factory on Azure: a Flex Consumption Function App with one user-assigned identity,
// identity-based storage (shared keys off), the build, rejects and results queues, workspace-based
// Application Insights, the Durable back end (Azure Storage or the Durable Task Scheduler), and the
// least-privilege custom role on the allowed resource groups only. Deployed to a resource group
// (`azd up`, or `az deployment group create`); README "Deploy to Azure" lists every parameter.

targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Environment name (azd: AZURE_ENV_NAME); seeds the unique suffix of every resource name.')
param environmentName string

@description('Azure region of every resource (azd: AZURE_LOCATION).')
param location string = resourceGroup().location

@minLength(1)
@description('Resource group ids (/subscriptions/{id}/resourceGroups/{name}) the app may build in: the custom role is created for and assigned at each, and IMAGEFACTORY_ALLOWED_SCOPES is this same list.')
param allowedResourceGroupIds array

@description('Object id of the deployer (azd: AZURE_PRINCIPAL_ID): may send build messages, peek at the queues and open the scheduler dashboard. Empty = no rights for anyone but the app.')
param principalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
@description('Principal type of principalId.')
param principalType string = 'User'

@allowed([
  'AzureStorage'
  'DurableTaskScheduler'
])
@description('Durable Functions back end: the task hub in the storage account, or a Durable Task Scheduler.')
param durableBackend string = 'AzureStorage'

@allowed([
  'Consumption'
  'Dedicated'
])
@description('Durable Task Scheduler SKU (durableBackend DurableTaskScheduler only).')
param schedulerSkuName string = 'Consumption'

@minValue(1)
@description('Capacity units of a Dedicated scheduler.')
param schedulerCapacity int = 1

@maxLength(45)
@description('Durable task hub name (letters and digits, starting with a letter); empty = derived from the environment, so two apps sharing a storage account or a scheduler never share a hub.')
param taskHubName string = ''

@minValue(1)
@maxValue(1000)
@description('Most instances the app scales out to.')
param maximumInstanceCount int = 20

@allowed([
  512
  2048
  4096
])
@description('Memory of each instance in MB.')
param instanceMemoryMB int = 2048

@description('Always-ready instances (billed while idle), e.g. [{"name": "durable", "instanceCount": 1}]; empty = scale to zero.')
param alwaysReady array = []

@minLength(3)
@maxLength(55)
@description('Build queue (IMAGEFACTORY_BUILD_QUEUE); invalid messages go to <name>-rejects.')
param buildQueueName string = 'image-builds'

@minLength(3)
@maxLength(63)
@description('Results queue (IMAGEFACTORY_RESULTS_QUEUE).')
param resultsQueueName string = 'image-build-results'

@description('Further queues a request may name as report.results_queue (IMAGEFACTORY_RESULT_QUEUES); the results queue is always allowed.')
param extraResultQueueNames array = []

@description('Region names accepted besides the built-in list of the cloud (IMAGEFACTORY_EXTRA_REGIONS), e.g. a region opened after the list was updated.')
param extraRegions array = []

@description('NCRONTAB schedule of the nightly rollout timer (IMAGEFACTORY_ROLLOUT_SCHEDULE).')
param rolloutSchedule string = '0 0 2 * * *'

@description('Rollout file path in the deployed package, or its text (IMAGEFACTORY_ROLLOUT_FILE); empty = no rollout.')
param rolloutFile string = ''

@description('The rollout timer only logs what it would start (IMAGEFACTORY_ROLLOUT_DRY_RUN).')
param rolloutDryRun bool = false

@minLength(1)
@description('Tag a source VM must carry with value "true" before a request may delete it (IMAGEFACTORY_DELETE_OPT_IN_TAG).')
param deleteOptInTag string = 'imagefactory-allow-delete'

@description('More app settings, applied last (tuning knobs of README "Settings", e.g. {"IMAGEFACTORY_REPLICATION_POLL_MAX_SECONDS": "600"}).')
param extraAppSettings object = {}

@minValue(30)
@maxValue(730)
@description('Days the Log Analytics workspace keeps data.')
param logRetentionDays int = 30

@description('Tags put on every resource (azd-env-name is always added).')
param tags object = {}

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var allTags = union(tags, {
  'azd-env-name': environmentName
})
var appName = 'func-imagefactory-${resourceToken}'
var taskHub = empty(taskHubName) ? 'imagefactory${resourceToken}' : taskHubName
var useScheduler = durableBackend == 'DurableTaskScheduler'
var rejectsQueueName = '${buildQueueName}-rejects'
var deploymentContainerName = 'app-package'

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: 'id-imagefactory-${resourceToken}'
    location: location
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'stif${resourceToken}'
    location: location
    tags: allTags
    deploymentContainerName: deploymentContainerName
    queueNames: [
      buildQueueName
      rejectsQueueName
      resultsQueueName
    ]
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: 'log-imagefactory-${resourceToken}'
    applicationInsightsName: 'appi-imagefactory-${resourceToken}'
    location: location
    tags: allTags
    retentionInDays: logRetentionDays
    publisherPrincipalId: identity.outputs.principalId
  }
}

module scheduler 'modules/durable-task-scheduler.bicep' = if (useScheduler) {
  name: 'durable-task-scheduler'
  params: {
    name: 'dts-imagefactory-${resourceToken}'
    location: location
    tags: allTags
    taskHubName: taskHub
    skuName: schedulerSkuName
    skuCapacity: schedulerCapacity
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

module builderRole 'modules/builder-role.bicep' = {
  name: 'builder-role'
  params: {
    assignableResourceGroupIds: allowedResourceGroupIds
    nameSuffix: appName
  }
}

// A resource group id is /subscriptions/{sub}/resourceGroups/{name}: segments 2 and 4.
module builderAssignments 'modules/resource-group-role-assignment.bicep' = [for (groupId, index) in allowedResourceGroupIds: {
  name: 'builder-role-assignment-${index}'
  scope: resourceGroup(split(groupId, '/')[2], split(groupId, '/')[4])
  params: {
    principalId: identity.outputs.principalId
    roleGuid: builderRole.outputs.roleGuid
  }
}]

// Host storage through the identity (no connection string exists: shared keys are off).
var hostStorageSettings = {
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
}

// Telemetry through the identity (the component accepts Entra-authenticated ingestion only).
var telemetrySettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
}

// host.json names the hub as %IMAGEFACTORY_TASK_HUB%. The storage provider type cannot be an
// app-setting expression (the Durable extension resolves only hubName and connection names), so
// the scheduler is selected by overriding the two host.json values with AzureFunctionsJobHost__
// app settings; without them host.json's AzureStorage provider applies.
var durableSettings = union({
  IMAGEFACTORY_TASK_HUB: taskHub
}, useScheduler ? {
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${scheduler.outputs.endpoint};Authentication=ManagedIdentity;ClientID=${identity.outputs.clientId}'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
} : {})

// Every setting of imagefactory/settings.py. The tuning knobs carry the model's defaults (a test
// keeps them equal) so they show, and can be changed, in the portal; extraAppSettings wins.
var imageFactorySettings = {
  AZURE_CLIENT_ID: identity.outputs.clientId
  IMAGEFACTORY_ARM_ENDPOINT: environment().resourceManager
  IMAGEFACTORY_ALLOWED_SCOPES: join(allowedResourceGroupIds, ',')
  IMAGEFACTORY_BUILD_QUEUE: buildQueueName
  IMAGEFACTORY_RESULTS_QUEUE: resultsQueueName
  IMAGEFACTORY_RESULT_QUEUES: join(extraResultQueueNames, ',')
  IMAGEFACTORY_EXTRA_REGIONS: join(extraRegions, ',')
  IMAGEFACTORY_QUEUE_CONNECTION: 'AzureWebJobsStorage'
  IMAGEFACTORY_DELETE_OPT_IN_TAG: deleteOptInTag
  IMAGEFACTORY_ROLLOUT_SCHEDULE: rolloutSchedule
  IMAGEFACTORY_ROLLOUT_FILE: rolloutFile
  IMAGEFACTORY_ROLLOUT_DRY_RUN: rolloutDryRun ? 'true' : 'false'
  IMAGEFACTORY_HTTP_RETRY_TOTAL: '2'
  IMAGEFACTORY_HTTP_MAX_INLINE_WAIT_SECONDS: '2.0'
  IMAGEFACTORY_HTTP_TIMEOUT_SECONDS: '30'
  IMAGEFACTORY_OPERATION_POLL_SECONDS: '15'
  IMAGEFACTORY_REPLICATION_POLL_MIN_SECONDS: '15'
  IMAGEFACTORY_REPLICATION_POLL_MAX_SECONDS: '900'
  IMAGEFACTORY_MONITOR_POLLS_PER_EXECUTION: '5'
  IMAGEFACTORY_TRANSIENT_RETRY_MAX_ATTEMPTS: '8'
  IMAGEFACTORY_TRANSIENT_RETRY_BASE_SECONDS: '5'
  IMAGEFACTORY_TRANSIENT_RETRY_MAX_SECONDS: '300'
  IMAGEFACTORY_REPLICATION_REGION_RETRIES: '2'
  IMAGEFACTORY_SYSPREP_POLL_SECONDS: '60'
  IMAGEFACTORY_TIMEOUT_DEPROVISION_SECONDS: '3600'
  IMAGEFACTORY_TIMEOUT_DEALLOCATE_SECONDS: '1800'
  IMAGEFACTORY_TIMEOUT_TARGET_SECONDS: '1800'
  IMAGEFACTORY_TIMEOUT_CAPTURE_SECONDS: '7200'
  IMAGEFACTORY_TIMEOUT_REPLICATION_SECONDS: '86400'
  IMAGEFACTORY_TIMEOUT_CLEANUP_SECONDS: '1800'
}

var appSettings = union(hostStorageSettings, telemetrySettings, durableSettings, imageFactorySettings, extraAppSettings)

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    name: appName
    planName: 'plan-imagefactory-${resourceToken}'
    location: location
    tags: allTags
    identityId: identity.outputs.id
    blobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReady: alwaysReady
    appSettings: appSettings
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output IMAGEFACTORY_BUILD_QUEUE string = buildQueueName
output IMAGEFACTORY_REJECTS_QUEUE string = rejectsQueueName
output IMAGEFACTORY_RESULTS_QUEUE string = resultsQueueName
output IMAGEFACTORY_TASK_HUB string = taskHub
output IMAGEFACTORY_DURABLE_BACKEND string = durableBackend
output DURABLE_TASK_SCHEDULER_ENDPOINT string = useScheduler ? scheduler.outputs.endpoint : ''
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
