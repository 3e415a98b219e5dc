// One role assignment at the resource group this module is deployed to. main.bicep deploys it
// once per allowed scope with `scope: resourceGroup(subscription, group)`, because a template can
// only create resources (role assignments included) in the scope of its own deployment.

@description('Principal id that receives the role.')
param principalId string

@description('Name (GUID) of the role definition; custom roles are valid in every subscription of the tenant.')
param roleGuid string

var roleDefinitionId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleGuid)

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleGuid)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: roleDefinitionId
  }
}

output id string = assignment.id
